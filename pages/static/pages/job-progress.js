// Progress of a dashboard job (report, recompute or a sync with the library website): polls the tasks API's job endpoint
// (data-poll-url) once a second and updates the <progress> bar and the status line until the
// job has finished. Without JavaScript the page still shows the state at load time.
(function () {
  "use strict";

  var INTERVAL_MS = 1000;
  var FINISHED = { succeeded: true, failed: true };

  function init() {
    var box = document.getElementById("job");
    if (!box || FINISHED[box.dataset.state]) {
      return;
    }
    var bar = box.querySelector("progress");
    var percent = box.querySelector(".job-percent");
    var label = box.querySelector(".job-state-label");
    var message = box.querySelector(".job-message");
    var result = box.querySelector(".job-result");
    var failures = 0;

    function show(job) {
      var value = Math.max(0, Math.min(100, Number(job.progress) || 0));
      bar.value = value;
      bar.textContent = value + " %";
      percent.textContent = value + "\u00a0%";
      if (job.state_display) {
        label.textContent = job.state_display;
      }
      message.textContent = job.message ? ": " + job.message : "";
      box.dataset.state = job.state;
      if (job.state === "succeeded") {
        label.textContent = box.dataset.doneText;
        var report = job.result && job.result.report;
        if (report) {
          var link = document.createElement("a");
          link.className = "button button-primary";
          link.href = box.dataset.reportUrlTemplate.replace(/0\/$/, report + "/");
          link.textContent = box.dataset.openReportText;
          result.replaceChildren(link);
        } else if (box.dataset.kind === "recompute") {
          var figures = document.createElement("a");
          figures.className = "button button-primary";
          figures.href = box.dataset.figuresUrl;
          figures.textContent = box.dataset.figuresText;
          result.replaceChildren(figures);
        }
      } else if (job.state === "failed") {
        label.textContent = box.dataset.failedText;
      }
      if (FINISHED[job.state] && box.dataset.kind === "dpl_sync") {
        // A sync with the library website: its counts and errors in words are on its status page.
        var status = document.createElement("a");
        status.className = "button button-primary";
        status.href = box.dataset.syncStatusUrl;
        status.textContent = box.dataset.syncStatusText;
        result.replaceChildren(status);
      }
    }

    function poll() {
      fetch(box.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (job) {
          failures = 0;
          show(job);
          if (!FINISHED[job.state]) {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures >= 5) {
            message.textContent = ": " + box.dataset.errorText;
            return;
          }
          window.setTimeout(poll, INTERVAL_MS * failures);
        });
    }

    poll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
