// Moltnet console helpers: API calls, DOM building and message-part rendering (no framework).

/** JSON calls to the API under `base` ("" or "/console/api"), with the auth cookie. */
export function makeApi(base) {
  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options || {});
    const response = await fetch(base + path, init);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  async function listAll(path, key) {
    // Collection pagination: follow next_after until the list is complete.
    let items = [];
    let cursor = "";
    for (let i = 0; i < 50; i++) {
      const sep = path.includes("?") ? "&" : "?";
      const page = await api(path + sep + "limit=500" + (cursor ? "&after=" + encodeURIComponent(cursor) : ""));
      items = items.concat(page[key] || []);
      if (!page.page || !page.page.has_more || !page.page.next_after) break;
      cursor = page.page.next_after;
    }
    return items;
  }

  return { api, listAll };
}

/** createElement with attributes, `on*` listeners and text/node children (never innerHTML). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SAFE_URL = /^(https?:|mailto:|\/)/i;

/** Text with every @name marked; names the server resolved as mentions are marked strongly. */
export function textWithMentions(text, mentions) {
  const last = (s) => String(s).split("/").pop().split(":").pop();
  const wanted = new Set((mentions || []).map(last));
  const nodes = [];
  const pattern = /@([A-Za-z0-9][A-Za-z0-9._:\/-]*)/g;
  let end = 0;
  let match;
  while ((match = pattern.exec(text))) {
    nodes.push(text.slice(end, match.index));
    const name = match[1].replace(/[.:]+$/, "");
    nodes.push(el("mark", { class: wanted.has(last(name)) ? "mention resolved" : "mention" }, "@" + name));
    end = match.index + 1 + name.length;
  }
  nodes.push(text.slice(end));
  return nodes;
}

/** One message part: text, an artifact link (http/https/mailto/relative only), or data as JSON. */
export function renderPart(part, message) {
  if (part.kind === "text" && !part.url) return el("p", { class: "text" }, textWithMentions(part.text || "", message.mentions));
  if (part.url) {
    const label = part.filename || part.url;
    const link = SAFE_URL.test(part.url)
      ? el("a", { href: part.url, target: "_blank", rel: "noopener noreferrer", class: "artifact" }, label)
      : el("span", { class: "artifact" }, label);
    return el("p", { class: "artifact-part" }, el("span", { class: "tag" }, part.kind), " ", link,
      part.media_type ? el("span", { class: "muted" }, " " + part.media_type) : null,
      part.text ? el("span", {}, " " + part.text) : null);
  }
  if (part.data) return el("pre", { class: "data" }, JSON.stringify(part.data, null, 2));
  return el("p", { class: "text" }, part.text || "[" + part.kind + "]");
}
