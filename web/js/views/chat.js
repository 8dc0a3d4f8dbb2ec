// A conversation. As the contract says: poll about once a second with pre_msg_time = the newest
// create_time held, and append what comes back (only newer messages sent to us).
import { api, NetworkError, sameId } from "../api.js";
import { avatar, h, showError } from "../dom.js";
import { session } from "../session.js";

const POLL_MS = 1000;

export function renderChat(container, rawId) {
  const otherId = rawId;
  const messages = h("ol.messages", { "aria-live": "polite" });
  const input = h("input", { name: "message", placeholder: "Message…", maxLength: 1000, autocomplete: "off" });
  const send = h("button.primary", { type: "submit" }, "Send");
  const name = h("h1", {}, "Chat");
  let newest = 0;
  let stopped = false;
  let timer;

  container.append(
    h("header.top-bar", {}, h("a.back", { href: "#/friends", "aria-label": "Back" }, "‹"), name, h("span")),
    messages,
    h("form.composer.chat-composer", { onsubmit: onSubmit }, input, send),
  );

  function append(list) {
    for (const message of list) {
      const mine = sameId(message.from_user_id, session.userId);
      const time = new Date(message.create_time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      messages.append(h(`li.bubble.${mine ? "mine" : "theirs"}`, { dataset: { messageId: message.id } },
        h("span", {}, message.content), h("small", {}, time)));
      newest = Math.max(newest, message.create_time);
    }
    if (list.length) messages.lastElementChild.scrollIntoView({ block: "end" });
  }

  async function reloadAll() {
    const all = await api.chat(otherId, 0);
    messages.replaceChildren();
    newest = 0;
    append(all);
  }

  async function poll() {
    if (stopped) return;
    try {
      append(await api.chat(otherId, newest));
    } catch (error) {
      if (!(error instanceof NetworkError)) showError(error);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  async function onSubmit(event) {
    event.preventDefault();
    const content = input.value;
    if (!content.trim()) return;
    send.disabled = true;
    try {
      await api.sendMessage(otherId, content);
      input.value = "";
      await reloadAll(); // polling only brings messages sent *to* us
    } catch (error) {
      showError(error);
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  api.user(otherId).then((user) => name.replaceChildren(avatar(user, "sm"), ` ${user.name}`), showError);
  reloadAll().then(() => (timer = setTimeout(poll, POLL_MS)), (error) => {
    showError(error);
    timer = setTimeout(poll, POLL_MS);
  });
  input.focus();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
