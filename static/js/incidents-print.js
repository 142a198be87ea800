/* "Print this report" on an incident page: the browser's print, with the review forms hidden by CSS. */
(function () {
  "use strict";
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
