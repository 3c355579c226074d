// The bulk print's progress page, without reloading it: every few seconds, fetch the page
// again and put its new status in place, until the print is finished; then say so to screen
// readers through the status region. Without JavaScript, the "Check progress now" link works.
const status = document.getElementById("bulk-print-status");
const announce = document.getElementById("bulk-print-announce");

async function refresh() {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("bulk-print-status");
  if (!fresh) return;
  status.replaceChildren(...fresh.childNodes);
  if (fresh.dataset.finished === "true") {
    document.title = page.title;
    announce.textContent = fresh.dataset.announce;
  } else {
    setTimeout(refresh, Number(status.dataset.refreshSeconds) * 1000);
  }
}

if (status && status.dataset.finished === "false") {
  setTimeout(refresh, Number(status.dataset.refreshSeconds) * 1000);
}
