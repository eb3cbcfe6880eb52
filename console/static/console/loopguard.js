// Moltnet console: the loop guard's paused state in the live view (ours; the Go server has none).
// A conversation is paused while the server marks its agents' messages over budget; the banner
// follows conversation.paused / conversation.resumed events, and admins can resume from it.

export function makeLoopGuard({ state, api, boot, viewKey, $ }) {
  function render() {
    const v = state.view;
    const paused = !!(v && state.paused[viewKey(v.kind, v.id)]);
    $("loop-guard").hidden = !paused;
    $("resume").hidden = !(boot.scopes || []).includes("admin");
  }

  function noteNewest(view, newest) {
    // On load, the newest message tells whether the loop guard holds this conversation.
    if (newest.over_budget) state.paused[viewKey(view.kind, view.id)] = true;
    else delete state.paused[viewKey(view.kind, view.id)];
    render();
  }

  async function resume() {
    const v = state.view;
    if (!v) return;
    const headers = { Accept: "application/json" };
    const csrf = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (csrf) headers["X-CSRFToken"] = decodeURIComponent(csrf[1]);
    try {
      await api(`/v1/admin/conversations/${v.kind}/${encodeURIComponent(v.id)}/resume`, { method: "POST", headers });
      delete state.paused[viewKey(v.kind, v.id)];
      render();
    } catch (error) {
      $("loop-guard-error").textContent = error.message;
    }
  }

  function onConversation(conversation, paused) {
    const key = viewKey(conversation.kind, conversation[conversation.kind + "_id"] || "");
    if (paused) state.paused[key] = true;
    else delete state.paused[key];
    render();
  }

  return { render, noteNewest, resume, onConversation };
}
