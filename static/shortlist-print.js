// The print view's "Print this page" button (shown only with JavaScript; without it, the page
// says to use the browser's Print command).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
