// Opened from a search result (/console/?message=<id>#room/<id>): bring that message into view.
// Waits for the live view to render its history, presses "Load older" (at most 40 pages) until the
// message is there, then scrolls to it and outlines it. Nothing happens without `?message=`.
const wanted = new URLSearchParams(location.search).get("message");
const list = document.getElementById("messages");
if (wanted && list) {
  let clicks = 0;
  let countAtClick = -1;
  const observer = new MutationObserver(() => {
    const item = Array.from(list.querySelectorAll("li.msg")).find((li) => li.dataset.id === wanted);
    if (item) {
      observer.disconnect();
      item.dataset.searchFound = "true";
      item.style.outline = "2px solid #f5b700";
      item.scrollIntoView({ block: "center" });
      return;
    }
    const older = document.getElementById("older");
    const ready = list.dataset.loaded === "true" && list.children.length !== countAtClick;
    if (ready && older && !older.hidden && clicks < 40) {
      clicks += 1;
      countAtClick = list.children.length;
      older.click();
    }
  });
  observer.observe(list, { childList: true, attributes: true, attributeFilter: ["data-loaded"] });
  window.addEventListener("hashchange", () => observer.disconnect(), { once: true }); // another conversation
}
