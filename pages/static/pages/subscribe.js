// Copy buttons of the subscribe panel: <button data-copy="input-id" data-copied="..." data-failed="...">.
// Progressive enhancement: the buttons are hidden until this script runs; without it the
// address is still a selectable read-only field.
(function () {
  "use strict";

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  function announce(button, ok) {
    var panel = button.closest(".subscribe") || document;
    var status = panel.querySelector(".copy-status");
    if (status) {
      status.textContent = ok ? button.dataset.copied : button.dataset.failed;
    }
  }

  function copy(button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input) {
      return;
    }
    var text = input.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { announce(button, true); },
        function () { announce(button, fallbackCopy(input)); }
      );
    } else {
      announce(button, fallbackCopy(input));
    }
  }

  function init() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
    document.querySelectorAll("input.copy-source").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
