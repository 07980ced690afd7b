// The calendar's filters on a narrow screen (a phone, or a desktop zoomed to 150%): they come
// first in the page, folded behind a "Filters" button, so the first Tab after the skip link
// stays at the top of the page. Progressive enhancement: without this script the form is
// simply open; on a wide screen it is always open and the button is hidden.
(function () {
  "use strict";

  var NARROW = "(max-width: 55.99rem)";

  function init() {
    var button = document.querySelector("button.filters-toggle");
    if (!button) {
      return;
    }
    var form = document.getElementById(button.getAttribute("aria-controls"));
    var narrow = window.matchMedia(NARROW);
    var open = false;

    function show() {
      if (narrow.matches) {
        button.hidden = false;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        form.hidden = !open;
      } else {
        button.hidden = true;
        form.hidden = false;
      }
    }

    button.addEventListener("click", function () {
      open = !open;
      show();
    });
    if (narrow.addEventListener) {
      narrow.addEventListener("change", show);
    }
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
