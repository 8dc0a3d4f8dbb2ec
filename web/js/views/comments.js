// The comments panel: a bottom sheet over the video, newest first; add, and delete one's own.
import { api, sameId } from "../api.js";
import { avatar, h, showError } from "../dom.js";
import { session } from "../session.js";

export function openComments(video, onCount) {
  document.querySelector(".sheet-backdrop")?.remove();
  const list = h("ul.comment-list", { "aria-busy": "true" }, h("li.muted", {}, "Loading…"));
  const title = h("h2", {}, "Comments");
  const input = h("input", { name: "comment", placeholder: session.loggedIn ? "Add a comment…" : "Log in to comment",
    maxLength: 500, disabled: !session.loggedIn, autocomplete: "off" });
  const send = h("button.primary", { type: "submit", disabled: !session.loggedIn }, "Post");
  let comments = [];
  // The list loads while one may already post or delete: what was done here wins over a list that crossed it
  // (a list served after a post but delivered before its answer, or served before it and delivered after).
  const postedHere = [];
  const removedHere = new Set();

  function close() {
    backdrop.remove();
    document.removeEventListener("keydown", onKey);
  }
  const onKey = (event) => event.key === "Escape" && close();

  function render() {
    title.textContent = `${comments.length} comment${comments.length === 1 ? "" : "s"}`;
    list.replaceChildren(...(comments.length ? comments.map(item) : [h("li.muted", {}, "No comments yet. Say something nice.")]));
    onCount(comments.length);
  }

  function item(comment) {
    const remove = sameId(comment.user.id, session.userId)
      ? h("button.link.delete", { type: "button", "aria-label": "Delete comment", onclick: () => removeComment(comment) }, "Delete")
      : null;
    return h("li.comment", { dataset: { commentId: comment.id } },
      avatar(comment.user, "sm"),
      h("div", {}, h("a.author", { href: `#/user/${comment.user.id}` }, comment.user.name),
        h("p", {}, comment.content), h("small.muted", {}, comment.create_date)),
      remove);
  }

  async function removeComment(comment) {
    try {
      await api.deleteComment(video.id, comment.id);
      removedHere.add(String(comment.id));
      comments = comments.filter((c) => !sameId(c.id, comment.id));
      render();
    } catch (error) {
      showError(error);
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    try {
      const added = await api.addComment(video.id, text);
      postedHere.push(added);
      comments = [added, ...comments.filter((c) => !sameId(c.id, added.id))];
      input.value = "";
      render();
    } catch (error) {
      showError(error);
    } finally {
      send.disabled = false;
    }
  }

  const backdrop = h("div.sheet-backdrop", { onclick: (event) => event.target === backdrop && close() },
    h("section.sheet", { role: "dialog", "aria-label": "Comments" },
      h("header", {}, title, h("button.close", { type: "button", "aria-label": "Close", onclick: close }, "✕")),
      list,
      h("form.composer", { onsubmit: onSubmit }, input, send)));
  document.body.append(backdrop);
  document.addEventListener("keydown", onKey);
  api.comments(video.id).then((loaded) => {
    const unlisted = postedHere.filter((mine) => !loaded.some((c) => sameId(c.id, mine.id))).reverse();
    comments = [...unlisted, ...loaded].filter((c) => !removedHere.has(String(c.id)));
    list.setAttribute("aria-busy", "false");
    render();
  }, (error) => {
    list.setAttribute("aria-busy", "false");
    showError(error);
  });
}
