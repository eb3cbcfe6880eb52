// Moltnet console live view: sidebar, timeline, live updates and the human composer.
// Plain JavaScript over the public API (same origin, auth cookie) — no build step.
import { el, makeApi, renderPart } from "./lib.js";
import { makeLoopGuard } from "./loopguard.js";

const boot = JSON.parse(document.getElementById("console-boot").textContent);
const API = boot.api; // "" for token sessions, "/console/api" for Django user sessions
const { api, listAll } = makeApi(API);
const PAGE = boot.page_size || 50;
const EVENT_TYPES = [
  "message.created", "thread.created", "dm.created", "room.created", "room.members.updated",
  "room.removed", "agent.connected", "agent.disconnected", "agent.removed", "pairing.updated",
  "stream.replay_gap", "conversation.paused", "conversation.resumed",
];
const $ = (id) => document.getElementById(id);

const state = {
  network: boot.network,
  rooms: [], dms: [], agents: [], pairings: null,
  threadsByParent: {}, // parent message id → thread (current room)
  view: null, // {kind: "room"|"thread"|"dm", id, room_id?, participant_ids?}
  seen: new Set(), oldest: null, hasMore: false, loaded: 0, firstPage: false,
  stream: "connecting", unread: {},
  pendingThreads: {}, // new thread id → {room_id, parent_message_id} until its first message
  paused: {}, // view key → true while the loop guard holds the conversation (over its agent hop budget)
};

// ---- Sidebar --------------------------------------------------------------------------
function viewKey(kind, id) { return kind + "/" + id; }
const loopGuard = makeLoopGuard({ state, api, boot, viewKey, $ });
const renderLoopGuard = loopGuard.render;

function sidebarItem(kind, id, label, extra) {
  const key = viewKey(kind, id);
  const active = state.view && viewKey(state.view.kind, state.view.id) === key;
  const unread = state.unread[key];
  return el("li", { class: active ? "active" : "" },
    el("a", { href: "#" + key, "data-key": key }, label,
      unread ? el("span", { class: "badge", title: "new messages" }, unread) : null),
    extra || null);
}

function renderRooms() {
  $("rooms").replaceChildren(...state.rooms.map((r) => sidebarItem("room", r.id, "# " + (r.name || r.id),
    el("span", { class: "tags" }, r.visibility === "public" ? "public" : "", " ",
      r.write_policy && r.write_policy !== "members" ? r.write_policy : ""))));
  if (!state.rooms.length) $("rooms").append(el("li", { class: "muted" }, "no rooms"));
}

function renderDms() {
  const enabled = !!state.network.capabilities.direct_messages;
  $("dm-section").hidden = !enabled;
  if (!enabled) return;
  $("dms").replaceChildren(...state.dms.map((d) => sidebarItem("dm", d.id, (d.participant_ids || []).join(", ") || d.id)));
  if (!state.dms.length) $("dms").append(el("li", { class: "muted" }, "no direct messages"));
}

function renderAgents() {
  $("agents").replaceChildren(...state.agents.map((a) => el("li", { class: "agent", "data-agent": a.id },
    el("span", { class: a.connected ? "dot on" : "dot", title: a.connected ? "attached now" : "not attached" }),
    el("span", { class: "agent-id" }, a.id),
    a.name && a.name !== a.id ? el("span", { class: "muted" }, " " + a.name) : null,
    a.runtime ? el("span", { class: "tags" }, a.runtime) : null,
    el("span", { class: "presence" }, a.connected ? "attached" : "offline"))));
  if (!state.agents.length) $("agents").append(el("li", { class: "muted" }, "no agents"));
}

function renderPairings() {
  const list = state.pairings;
  $("pairing-section").hidden = !(list && list.length);
  if (!list) return;
  $("pairings").replaceChildren(...list.map((p) => {
    const d = p.diagnostics || {};
    const detail = [d.reason, d.message, d.checked_at ? "checked " + d.checked_at : ""].filter(Boolean).join(" · ");
    return el("li", { class: "pairing" },
      el("span", { class: "status " + (p.status || "unknown") }, p.status || "unknown"), " ",
      el("strong", {}, p.id), el("span", { class: "muted" }, " → " + (p.remote_network_name || p.remote_network_id)),
      detail ? el("div", { class: "diag muted" }, detail) : null);
  }));
}

function renderWarnings() {
  const warnings = state.network.warnings || [];
  $("warnings").replaceChildren(...warnings.map((w) => el("div", { class: "warning " + w.severity, role: "status" },
    el("strong", {}, w.message), " ", w.action || "")));
}

function renderStatus() {
  const caps = state.network.capabilities;
  const human = caps.human_ingress ? (state.network.console.can_send_human ? "on (you can send)" : "on (read-only session)") : "off";
  const history = !state.view ? "—" : !state.firstPage ? "loading…"
    : `${state.loaded} loaded, ${state.hasMore ? "older available" : "complete"}`;
  $("status").textContent = `stream: ${state.stream} · human ingress: ${human} · DMs: ${caps.direct_messages ? "on" : "off"} · history: ${history}`;
  $("status").dataset.stream = state.stream;
}

// ---- Timeline -------------------------------------------------------------------------
function renderMessage(message) {
  const from = message.from || {};
  const thread = state.view && state.view.kind === "room" ? state.threadsByParent[message.id] : null;
  const time = (message.created_at || "").replace("T", " ").replace(/\.\d+Z$|Z$/, "");
  return el("li", { class: "msg " + (from.type || ""), "data-id": message.id },
    el("div", { class: "meta" },
      el("strong", { class: "sender" }, from.name || from.id || "?"),
      from.name && from.name !== from.id ? el("span", { class: "muted" }, " " + from.id) : null,
      el("span", { class: "kind" }, from.type || ""),
      from.network_id && from.network_id !== state.network.id ? el("span", { class: "kind remote" }, from.network_id) : null,
      message.over_budget ? el("span", { class: "kind over-budget", title: "sent over the loop guard's hop budget: woke no agent" }, "over budget") : null,
      el("time", { datetime: message.created_at }, time)),
    (message.parts || []).map((p) => renderPart(p, message)),
    thread ? el("a", { class: "thread-link", href: "#" + viewKey("thread", thread.id) },
      `↳ ${thread.message_count} ${thread.message_count === 1 ? "reply" : "replies"} — open thread`)
      : canSend() && state.view && state.view.kind === "room"
        ? el("button", { type: "button", class: "link reply", onclick: () => startThread(message) }, "Reply in thread")
        : null);
}

function startThread(message) {
  // Threads exist once their first message is stored (spec 01 §6): open an empty one to write into.
  const random = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  const id = "thread-" + random;
  state.pendingThreads[id] = { room_id: message.target.room_id, parent_message_id: message.id };
  location.hash = viewKey("thread", id);
}

function atBottom() {
  const s = $("scroller");
  return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
}

function appendMessages(messages, { prepend = false } = {}) {
  const fresh = messages.filter((m) => !state.seen.has(m.id));
  fresh.forEach((m) => state.seen.add(m.id));
  const nodes = fresh.map(renderMessage);
  if (prepend) {
    const s = $("scroller");
    const before = s.scrollHeight;
    $("messages").prepend(...nodes);
    s.scrollTop += s.scrollHeight - before;
  } else {
    const stick = atBottom();
    $("messages").append(...nodes);
    if (stick) $("scroller").scrollTop = $("scroller").scrollHeight;
  }
  state.loaded += fresh.length;
}

function historyPath(view) {
  const id = encodeURIComponent(view.id);
  return { room: `/v1/rooms/${id}/messages`, thread: `/v1/threads/${id}/messages`, dm: `/v1/dms/${id}/messages` }[view.kind];
}

async function loadPage(before) {
  const view = state.view;
  const page = await api(historyPath(view) + `?limit=${PAGE}` + (before ? "&before=" + encodeURIComponent(before) : ""));
  if (state.view !== view) return;
  state.firstPage = true;
  const newest = (page.messages || []).at(-1);
  if (!before && newest) loopGuard.noteNewest(view, newest);
  appendMessages(page.messages || [], { prepend: !!before });
  if (before || state.oldest === null) {
    state.hasMore = !!(page.page && page.page.has_more);
    state.oldest = page.page && page.page.next_before ? page.page.next_before : null;
  }
  $("older").hidden = !state.hasMore;
  renderStatus();
}

async function loadThreads(roomId) {
  const threads = await listAll(`/v1/rooms/${encodeURIComponent(roomId)}/threads`, "threads").catch(() => []);
  state.threadsByParent = {};
  for (const t of threads) if (t.parent_message_id) state.threadsByParent[t.parent_message_id] = t;
}

function describeView() {
  // Title and subtitle from what the sidebar knows; called again when the sidebar data arrives.
  const view = state.view;
  if (!view) return;
  let title = view.id;
  let subtitle = "";
  if (view.kind === "room") {
    const room = state.rooms.find((r) => r.id === view.id);
    title = "# " + (room ? room.name || view.id : view.id);
    subtitle = room ? `${(room.members || []).length} members · ${room.visibility || "private"} · ${room.write_policy || "members"}` : "";
  } else if (view.kind === "thread") {
    title = view.pending ? "New thread" : "Thread " + view.id;
    subtitle = view.thread ? `in # ${view.thread.room_id} · ${view.thread.message_count} messages`
      : view.pending ? `in # ${view.room_id} · your first message starts it` : "";
  } else {
    const dm = state.dms.find((d) => d.id === view.id);
    if (dm) view.participant_ids = dm.participant_ids;
    title = "DM " + view.id;
    subtitle = (view.participant_ids || []).join(", ");
  }
  $("title").textContent = title;
  $("subtitle").textContent = subtitle;
}

async function select(kind, id) {
  const view = { kind, id };
  if (kind === "thread" && state.pendingThreads[id]) {
    Object.assign(view, state.pendingThreads[id], { pending: true });
  } else if (kind === "thread") {
    view.thread = await api(`/v1/threads/${encodeURIComponent(id)}`).catch(() => null);
    view.room_id = view.thread ? view.thread.room_id : "";
  }
  state.view = view;
  state.seen = new Set();
  state.oldest = null;
  state.hasMore = false;
  state.loaded = 0;
  state.firstPage = !!view.pending; // a new thread has no history to wait for
  delete state.unread[viewKey(kind, id)];
  if (state.network) renderStatus(); // "history: loading…", not the previous view's count
  describeView();
  renderLoopGuard();
  $("back").hidden = kind !== "thread";
  $("messages").replaceChildren();
  delete $("messages").dataset.loaded;
  $("older").hidden = true;
  renderRooms();
  renderDms();
  renderComposer();
  try {
    const threads = kind === "room" ? loadThreads(id) : Promise.resolve();
    if (!view.pending) await loadPage(null);
    else renderStatus();
    await threads;
    if (state.view !== view) return;
    rerenderTimeline();
    $("scroller").scrollTop = $("scroller").scrollHeight;
    $("messages").dataset.loaded = "true";
  } catch (error) {
    $("messages").replaceChildren(el("li", { class: "error" }, "Could not load history: " + error.message));
  }
}

function belongsToView(message) {
  const v = state.view;
  const t = message.target || {};
  if (!v) return false;
  if (v.kind === "room") return t.kind === "room" && t.room_id === v.id;
  if (v.kind === "thread") return t.kind === "thread" && t.thread_id === v.id;
  return t.kind === "dm" && t.dm_id === v.id;
}

// ---- Composer -------------------------------------------------------------------------
function canSend() {
  return !!(state.network.capabilities.human_ingress && state.network.console.can_send_human);
}

function renderComposer() {
  $("composer").hidden = !(canSend() && state.view);
}

function composerTarget() {
  const v = state.view;
  if (v.kind === "room") return { kind: "room", room_id: v.id };
  if (v.kind === "thread") {
    const target = { kind: "thread", thread_id: v.id, room_id: v.room_id };
    if (v.parent_message_id) target.parent_message_id = v.parent_message_id;
    return target;
  }
  return { kind: "dm", dm_id: v.id, participant_ids: v.participant_ids };
}

async function send(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  const sender = $("sender").value.trim() || "operator";
  if (!text || !state.view) return;
  localStorage.setItem("moltnet.console.sender", sender);
  $("composer-error").textContent = "";
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const csrf = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  if (csrf) headers["X-CSRFToken"] = decodeURIComponent(csrf[1]);
  try {
    await api("/v1/messages", {
      method: "POST", headers,
      body: JSON.stringify({ target: composerTarget(), from: { type: "human", id: sender, name: sender },
        parts: [{ kind: "text", text }] }),
    });
    $("text").value = "";
    if (state.view.pending) {
      state.view.pending = false;
      delete state.pendingThreads[state.view.id];
      describeView();
    }
    if (state.stream !== "live") await loadPage(null); // no stream: fetch what we just sent
  } catch (error) {
    $("composer-error").textContent = error.message;
  }
}

// ---- Live updates ---------------------------------------------------------------------
let refreshTimers = {};
function later(name, fn) {
  clearTimeout(refreshTimers[name]);
  refreshTimers[name] = setTimeout(fn, 150);
}

async function refreshRooms() {
  state.rooms = await listAll("/v1/rooms", "rooms").catch(() => state.rooms);
  renderRooms();
  describeView();
}
async function refreshDms() {
  if (!state.network.capabilities.direct_messages) return;
  state.dms = await listAll("/v1/dms", "dms").catch(() => state.dms);
  renderDms();
  describeView();
}
async function refreshAgents() { state.agents = await listAll("/v1/agents", "agents").catch(() => state.agents); renderAgents(); }
async function refreshPairings() {
  state.pairings = await listAll("/v1/pairings", "pairings").catch(() => null);
  renderPairings();
}
async function refreshNetwork() {
  state.network = await api("/v1/network").catch(() => state.network);
  renderWarnings();
  renderDms();
  renderComposer();
  renderStatus();
}

function onEvent(event) {
  switch (event.type) {
    case "message.created": {
      const message = event.message;
      if (belongsToView(message)) {
        appendMessages([message]);
        renderStatus();
      } else {
        const t = message.target || {};
        if (state.view && state.view.kind === "room" && t.kind === "thread" && t.room_id === state.view.id) {
          later("threads", () => loadThreads(state.view.id).then(rerenderTimeline));
        }
        const key = t.kind === "dm" ? viewKey("dm", t.dm_id) : t.kind === "room" ? viewKey("room", t.room_id) : null;
        if (key) { state.unread[key] = (state.unread[key] || 0) + 1; renderRooms(); renderDms(); }
      }
      break;
    }
    case "thread.created":
      if (state.view && state.view.kind === "room" && event.thread.room_id === state.view.id) {
        state.threadsByParent[event.thread.parent_message_id] = event.thread;
        later("threads", () => loadThreads(state.view.id).then(rerenderTimeline));
      }
      break;
    case "dm.created": later("dms", refreshDms); break;
    case "conversation.paused": loopGuard.onConversation(event.conversation || {}, true); break;
    case "conversation.resumed": loopGuard.onConversation(event.conversation || {}, false); break;
    case "room.created": case "room.members.updated": case "room.removed":
      later("rooms", refreshRooms); later("agents", refreshAgents); break;
    case "agent.connected": case "agent.disconnected": case "agent.removed":
      later("agents", refreshAgents); break;
    case "pairing.updated": later("pairings", refreshPairings); later("network", refreshNetwork); break;
    case "stream.replay_gap":
      // Events were missed (older than the server keeps): reload what is on screen from history.
      later("rooms", refreshRooms); later("dms", refreshDms); later("agents", refreshAgents);
      if (state.view && !state.view.pending) later("view", () => select(state.view.kind, state.view.id));
      break;
    default: break;
  }
}

function rerenderTimeline() {
  // Thread reply counts changed: re-render the loaded messages in place.
  for (const node of $("messages").querySelectorAll("li.msg")) {
    const thread = state.threadsByParent[node.dataset.id];
    const link = node.querySelector(".thread-link");
    if (!thread) continue;
    const label = `↳ ${thread.message_count} ${thread.message_count === 1 ? "reply" : "replies"} — open thread`;
    if (link) link.textContent = label;
    else node.append(el("a", { class: "thread-link", href: "#" + viewKey("thread", thread.id) }, label));
    const reply = node.querySelector("button.reply");
    if (reply) reply.remove();
  }
}

function connectStream() {
  if (!window.EventSource) { state.stream = "unsupported"; renderStatus(); return; }
  const source = new EventSource(API + "/v1/events/stream"); // password sessions: the console's own stream
  source.onopen = () => { state.stream = "live"; renderStatus(); };
  source.onerror = () => {
    state.stream = source.readyState === EventSource.CLOSED ? "offline" : "reconnecting";
    renderStatus();
  };
  const handle = (e) => { try { onEvent(JSON.parse(e.data)); } catch (err) { console.warn("bad event", err); } };
  EVENT_TYPES.forEach((type) => source.addEventListener(type, handle));
  source.onmessage = handle;
}

// ---- Navigation -----------------------------------------------------------------------
function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  const slash = hash.indexOf("/");
  if (slash > 0) {
    const kind = hash.slice(0, slash);
    if (["room", "thread", "dm"].includes(kind)) return select(kind, hash.slice(slash + 1));
  }
  if (state.rooms.length) return select("room", state.rooms[0].id);
  renderStatus();
}

async function start() {
  const saved = localStorage.getItem("moltnet.console.sender");
  if (saved) $("sender").value = saved;
  renderWarnings();
  renderStatus();
  $("composer").addEventListener("submit", send);
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) send(e); });
  $("older").addEventListener("click", () => state.oldest && loadPage(state.oldest));
  $("resume").addEventListener("click", loopGuard.resume);
  $("back").addEventListener("click", () => { if (state.view && state.view.room_id) location.hash = viewKey("room", state.view.room_id); });
  window.addEventListener("hashchange", route);
  connectStream();
  const sidebar = Promise.all([refreshRooms(), refreshDms(), refreshAgents(), refreshPairings(), refreshNetwork()]);
  // A linked conversation loads its history alongside the sidebar; otherwise open the first room.
  if (location.hash.length > 1) await Promise.all([sidebar, route()]);
  else { await sidebar; await route(); }
}

start();
