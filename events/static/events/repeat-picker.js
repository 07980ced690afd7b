// The repeat picker on the event's admin page (events/admin_repeat.py). It shows the inputs
// that fit the chosen repeat, and asks the server for the rule's sentence and next dates: the
// server builds and validates the RRULE, this file never writes RRULE syntax. A date in the
// preview is a toggle button that adds it to (or removes it from) the "excluded dates" field.
// No inline handlers: the page's Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";

  function parseDates(text) {
    return (text || "").split(/[\s,;]+/).filter(function (d) { return /^\d{4}-\d{2}-\d{2}$/.test(d); });
  }

  function setup(picker) {
    var form = picker.closest("form");
    if (!form) { return; }
    var url = picker.getAttribute("data-preview-url");
    var sentence = picker.querySelector(".repeat-sentence");
    var list = picker.querySelector(".repeat-dates");
    var status = picker.querySelector(".repeat-status");
    var exdates = form.querySelector("[name=exdates]");
    var rrule = form.querySelector("[name=rrule]");
    var timer = null;
    var requestNumber = 0;
    var focusDay = null;  // the date button to give the focus back to after a re-render

    function value(name) {
      var field = form.querySelector("[name=" + name + "]:checked") ||
        form.querySelector("select[name=" + name + "], input[name=" + name + "]:not([type=radio]):not([type=checkbox])");
      return field ? field.value : "";
    }

    function showParts() {
      var freq = value("repeat_freq");
      picker.querySelectorAll("[data-repeat-show]").forEach(function (el) {
        el.hidden = el.getAttribute("data-repeat-show").split(" ").indexOf(freq) < 0;
      });
      var monthly = value("repeat_monthly") || "monthday";
      picker.querySelectorAll("[data-repeat-monthly]").forEach(function (el) {
        el.hidden = el.getAttribute("data-repeat-monthly") !== monthly;
      });
      var end = value("repeat_end");
      picker.querySelectorAll("[data-repeat-end]").forEach(function (el) {
        el.hidden = el.getAttribute("data-repeat-end") !== end;
      });
      var unit = picker.querySelector(".repeat-unit");
      if (unit && freq && unit.hasAttribute("data-" + freq.toLowerCase())) {
        unit.textContent = unit.getAttribute("data-" + freq.toLowerCase());
      }
    }

    function query() {
      var params = new URLSearchParams();
      form.querySelectorAll("[name^=repeat_], [name=start_0], [name=start_1], [name=all_day]").forEach(function (el) {
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
        params.append(el.name, el.value);
      });
      if (exdates) { params.append("exdates", parseDates(exdates.value).join(",")); }
      if (rrule && value("repeat_freq") === "CUSTOM") { params.append("rrule", rrule.value); }
      return params;
    }

    function errorText(errors) {
      var lines = [];
      Object.keys(errors).forEach(function (name) {
        var label = form.querySelector("label[for=id_" + name + "]");
        errors[name].forEach(function (e) {
          lines.push((label ? label.textContent.replace(/:$/, "") + ": " : "") + e.message);
        });
      });
      return lines.join(" ");
    }

    function toggle(day) {
      if (!exdates) { return; }
      var days = parseDates(exdates.value);
      var at = days.indexOf(day);
      if (at < 0) { days.push(day); } else { days.splice(at, 1); }
      days.sort();
      exdates.value = days.join(", ");
      focusDay = day;
      refresh();
    }

    function render(data) {
      sentence.textContent = data.sentence;
      list.textContent = "";
      var excluded = 0;
      data.dates.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "repeat-date";
        button.setAttribute("data-date", item.date);
        button.setAttribute("aria-pressed", item.excluded ? "true" : "false");
        button.textContent = item.label + (item.excluded ? " (" + picker.getAttribute("data-text-excluded") + ")" : "");
        button.addEventListener("click", function () { toggle(item.date); });
        if (item.excluded) { excluded += 1; }
        li.appendChild(button);
        list.appendChild(li);
      });
      if (focusDay) {
        var again = list.querySelector("button[data-date='" + focusDay + "']");
        if (again) { again.focus(); }
        focusDay = null;
      }
      status.textContent = picker.getAttribute("data-text-count")
        .replace("{shown}", String(data.dates.length))
        .replace("{excluded}", String(excluded));
    }

    function refresh() {
      showParts();
      if (!value("repeat_freq")) {
        sentence.textContent = ""; list.textContent = ""; status.textContent = "";
        return;
      }
      var number = ++requestNumber;
      fetch(url + "?" + query().toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (number !== requestNumber) { return; }  // a newer request is on its way
          if (result.ok) {
            render(result.body);
          } else {
            list.textContent = "";
            sentence.textContent = "";
            status.textContent = result.body.errors ? errorText(result.body.errors) : picker.getAttribute("data-text-error");
          }
        })
        .catch(function () {
          if (number === requestNumber) { status.textContent = picker.getAttribute("data-text-error"); }
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    }

    form.addEventListener("change", function (event) {
      if (event.target.closest && event.target.closest(".repeat-dates")) { return; }
      showParts();
      later();
    });
    form.addEventListener("input", function (event) {
      var name = event.target.name || "";
      if (name.indexOf("repeat_") === 0 || name === "exdates" || name.indexOf("start_") === 0) { later(); }
    });
    // The admin's "Today"/"Now" shortcuts and calendar set the start without an input event.
    form.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest(".datetimeshortcuts, .calendarbox, .clockbox")) { later(); }
    });
    refresh();
  }

  function init() {
    document.querySelectorAll(".repeat-picker").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
