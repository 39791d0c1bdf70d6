// Progressive enhancement of the search form's GP practice field: a type-ahead over the
// practices listed in the page's datalist, with accessible-autocomplete (npm, GOV.UK's). Without
// JavaScript the same input takes a name or an ODS code, and the server offers the practices a
// name matches when it matches several. The value sent is the same either way: what the user
// typed, or "Name (CODE)" when they chose a suggestion.
const input = document.getElementById("id_gp_practice");
const list = document.getElementById("practices");
if (input && list && typeof window.accessibleAutocomplete === "function") {
  const practices = Array.from(list.options, (option) => ({
    value: option.value,
    search: `${option.value} ${option.textContent}`.toLowerCase(),
  }));
  const describedBy = input.getAttribute("aria-describedby");
  const container = document.createElement("div");
  container.className = "signpost-autocomplete";
  input.replaceWith(container);
  window.accessibleAutocomplete({
    element: container,
    id: input.id,
    name: input.name,
    defaultValue: input.value,
    minLength: 2,
    // Leaving the field keeps what was typed: a name several practices share is then asked
    // about by the server, never silently replaced by the first suggestion.
    confirmOnBlur: false,
    showNoOptionsFound: false,
    inputClasses: input.className,
    menuAttributes: { "aria-label": "GP practices" },
    source: (query, populate) => {
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      populate(
        practices
          .filter((practice) => words.every((word) => practice.search.includes(word)))
          .slice(0, 20)
          .map((practice) => practice.value),
      );
    },
  });
  const enhanced = document.getElementById(input.id);
  if (enhanced && describedBy) {
    // The field's hint and error stay announced with the type-ahead's own instructions.
    const own = enhanced.getAttribute("aria-describedby");
    enhanced.setAttribute("aria-describedby", own ? `${describedBy} ${own}` : describedBy);
  }
}
