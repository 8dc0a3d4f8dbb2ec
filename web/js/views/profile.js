// A profile: counts, follow/unfollow, message, and the user's videos and likes as a grid.
import { api, sameId } from "../api.js";
import { avatar, formatCount, h, showError } from "../dom.js";
import { session } from "../session.js";
import { createPlayer } from "./player.js";

export function renderProfile(container, rawId) {
  const userId = rawId || session.userId;
  const isSelf = sameId(userId, session.userId);
  let closePlayer = null;
  const grid = h("div.grid");
  const tabs = h("div.segmented", { role: "tablist" });
  const header = h("section.profile-header", {}, h("div.spinner"));
  container.append(
    h("header.top-bar", {}, h("button.back", { type: "button", "aria-label": "Back", onclick: () => history.back() }, "‹"),
      h("h1", {}, isSelf ? "Me" : "Profile"),
      isSelf ? h("button.link", { type: "button", onclick: logout }, "Log out") : h("span")),
    header, tabs, grid);

  function logout() {
    session.clear();
    location.hash = "#/login";
  }

  function stat(value, label) {
    return h("div.stat", {}, h("strong", {}, formatCount(value)), h("span", {}, label));
  }

  function renderHeader(user) {
    const actions = h("div.actions");
    if (!isSelf) {
      const follow = h("button", { type: "button", "data-role": "follow" });
      const paint = () => {
        follow.textContent = user.is_follow ? "Following" : "Follow";
        follow.className = user.is_follow ? "secondary" : "primary";
      };
      follow.addEventListener("click", async () => {
        follow.disabled = true;
        try {
          await api.follow(user.id, !user.is_follow);
          user.is_follow = !user.is_follow;
          user.follower_count += user.is_follow ? 1 : -1;
          renderHeader(user);
        } catch (error) {
          showError(error);
        } finally {
          follow.disabled = false;
        }
      });
      paint();
      actions.append(follow, h("a.button.secondary", { href: `#/chat/${user.id}` }, "Message"));
    }
    header.replaceChildren(
      h("div.cover", { style: `background-image:url("${user.background_image}")` }),
      avatar(user, "lg"),
      h("h2", {}, `@${user.name}`),
      h("p.muted.signature", {}, user.signature),
      h("div.stats", {}, stat(user.follow_count, "Following"), stat(user.follower_count, "Followers"),
        stat(user.total_favorited, "Likes")),
      actions,
    );
  }

  function showGrid(videos) {
    if (!videos.length) {
      grid.replaceChildren(h("p.empty", {}, isSelf ? "Nothing here yet." : "Nothing to show yet."));
      return;
    }
    grid.replaceChildren(...videos.map((video, index) =>
      h("button.tile", { type: "button", onclick: () => openPlayer(videos, index), "aria-label": video.title },
        h("img", { src: video.cover_url, alt: "", loading: "lazy" }),
        h("span.tile-likes", {}, `♥ ${formatCount(video.favorite_count)}`))));
  }

  function openPlayer(videos, index) {
    const overlay = h("div.player-overlay", {});
    const close = h("button.close.overlay-close", { type: "button", "aria-label": "Close", onclick: () => {
      closePlayer?.();
      closePlayer = null;
      overlay.remove();
    } }, "✕");
    overlay.append(close);
    container.append(overlay);
    closePlayer = createPlayer(overlay, { initial: videos, startIndex: index });
  }

  let shownTab = null; // a slower answer of the other tab must not replace this one

  function selectTab(name, user) {
    shownTab = name;
    for (const button of tabs.children) button.setAttribute("aria-selected", String(button.dataset.tab === name));
    grid.replaceChildren(h("div.spinner"));
    const load = name === "videos" ? api.publishList(user.id) : api.favoriteList(user.id);
    load.then((videos) => shownTab === name && showGrid(videos), (error) => {
      if (shownTab === name) grid.replaceChildren(h("p.empty", {}, error.message));
    });
  }

  api.user(userId).then((user) => {
    renderHeader(user);
    tabs.replaceChildren(
      h("button", { type: "button", role: "tab", dataset: { tab: "videos" }, onclick: () => selectTab("videos", user) },
        `Videos ${user.work_count}`),
      h("button", { type: "button", role: "tab", dataset: { tab: "likes" }, onclick: () => selectTab("likes", user) },
        `Likes ${user.favorite_count}`),
    );
    selectTab("videos", user);
  }, (error) => {
    header.replaceChildren(h("p.empty", {}, error.message));
  });
  return () => closePlayer?.();
}
