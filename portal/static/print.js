/* The 打印本页 buttons (macros.jinja2 `print_links`): the page's Content-Security-Policy allows no inline handler,
   so the click is bound here. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
