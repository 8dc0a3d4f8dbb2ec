// Friends (mutual follows, with the latest message), followers (follow back) and following.
import { api } from "../api.js";
import { avatar, h, showError } from "../dom.js";
import { session } from "../session.js";

const TABS = [
  ["friends", "Friends"],
  ["followers", "Followers"],
  ["following", "Following"],
];

export function renderFriends(container) {
  const list = h("ul.people");
  const tabs = h("div.segmented", { role: "tablist" }, TABS.map(([name, label]) =>
    h("button", { type: "button", role: "tab", dataset: { tab: name }, onclick: () => select(name) }, label)));
  container.append(h("header.top-bar", {}, h("span"), h("h1", {}, "Friends"), h("span")), tabs, list);

  function followButton(user) {
    const button = h("button", { type: "button", "data-role": "follow" });
    const paint = () => {
      button.textContent = user.is_follow ? "Following" : "Follow back";
      button.className = user.is_follow ? "secondary small" : "primary small";
    };
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        await api.follow(user.id, !user.is_follow);
        user.is_follow = !user.is_follow;
        paint();
      } catch (error) {
        showError(error);
      } finally {
        button.disabled = false;
      }
    });
    paint();
    return button;
  }

  function row(user, kind) {
    const line = kind === "friends"
      ? h("p.muted.preview", {}, user.message ? `${user.msgType === 1 ? "You: " : ""}${user.message}` : "Say hi!")
      : h("p.muted.preview", {}, user.signature);
    const href = kind === "friends" ? `#/chat/${user.id}` : `#/user/${user.id}`;
    return h("li.person", { dataset: { userId: user.id } },
      h("a.person-link", { href }, avatar(user), h("div", {}, h("strong", {}, user.name), line)),
      kind === "friends" ? null : followButton(user));
  }

  let shown = null; // the tab whose answer may fill the list: a slower, older answer is dropped

  async function select(name) {
    shown = name;
    for (const button of tabs.children) button.setAttribute("aria-selected", String(button.dataset.tab === name));
    list.replaceChildren(h("li", {}, h("div.spinner")));
    const load = { friends: api.friends, followers: api.followers, following: api.following }[name];
    try {
      const users = await load(session.userId);
      if (shown !== name) return;
      const empty = { friends: "Friends are people who follow you back. Follow someone to start.",
        followers: "No followers yet.", following: "You don't follow anyone yet." }[name];
      list.replaceChildren(...(users.length ? users.map((user) => row(user, name)) : [h("li.empty", {}, empty)]));
    } catch (error) {
      if (shown !== name) return;
      list.replaceChildren(h("li.empty", {}, error.message));
      showError(error);
    }
  }
  select("friends");
}
