// Progressive enhancement for the referral page: each reason list shows only the reasons that
// fit the outcome chosen. Without JavaScript the reasons are grouped by outcome instead, and
// the server checks the pair either way.
for (const select of document.querySelectorAll("select[data-reasons-for]")) {
  const kind = document.getElementById(select.dataset.reasonsFor);
  if (!kind) continue;
  const update = () => {
    for (const group of select.querySelectorAll("optgroup")) {
      const fits = group.dataset.kind === kind.value;
      group.hidden = !fits;
      group.disabled = !fits;
      if (!fits && select.selectedOptions[0] && group.contains(select.selectedOptions[0])) {
        select.value = "";
      }
    }
  };
  kind.addEventListener("change", update);
  update();
}
