// A branch screen asks every data-refresh seconds whether what it shows has changed (ETag);
// the server answers 304 until it has, then the page reloads. A failed request (the network
// is away) is simply tried again next time: the screen keeps showing what it has.
(() => {
  "use strict";
  const body = document.body;
  const seconds = Math.max(Number(body.dataset.refresh) || 60, 1);
  const etag = `"${body.dataset.version}"`;
  const check = async () => {
    try {
      const response = await fetch(location.href, {
        headers: { "If-None-Match": etag },
        cache: "no-store",
        credentials: "same-origin",
      });
      if (response.status === 200 && response.headers.get("ETag") !== etag) {
        location.reload();
        return;
      }
    } catch (error) {
      // offline for now: keep the screen as it is
    }
    setTimeout(check, seconds * 1000);
  };
  setTimeout(check, seconds * 1000);
})();
