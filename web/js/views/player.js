// A vertical, snap-scrolling list of videos: autoplay (muted) the one in view, like, comment, follow.
import { api, sameId } from "../api.js";
import { avatar, formatCount, h, showError } from "../dom.js";
import { session } from "../session.js";
import { icon } from "../icons.js";
import { openComments } from "./comments.js";

const DOUBLE_TAP_MS = 280;
let soundOn = false;

function requireLogin() {
  if (session.loggedIn) return true;
  location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
  return false;
}

function videoCard(video) {
  const element = h("video.clip", {
    src: video.play_url,
    muted: !soundOn,
    playsInline: true,
    loop: true,
    preload: "none", // nothing is fetched until the card comes near the screen (see warmUp)
    dataset: { videoId: video.id, poster: video.cover_url },
  });
  element.defaultMuted = !soundOn;
  element.setAttribute("muted", "");
  element.setAttribute("playsinline", "");

  const likeCount = h("span", {}, formatCount(video.favorite_count));
  const likeButton = h("button.rail-button.like", { type: "button", "aria-label": "Like", "aria-pressed": String(video.is_favorite) },
    icon("heart", 34), likeCount);
  const commentCount = h("span", {}, formatCount(video.comment_count));
  const commentButton = h("button.rail-button.comment", { type: "button", "aria-label": "Comments" },
    icon("comment", 32), commentCount);
  const isSelf = sameId(video.author.id, session.userId);
  const followButton = h("button.follow-badge", {
    type: "button", "aria-label": `Follow ${video.author.name}`, hidden: isSelf || video.author.is_follow,
  }, icon("plus", 16));
  const soundButton = h("button.sound", { type: "button", "aria-label": "Sound" }, icon(soundOn ? "sound" : "muted", 20));
  const heart = h("div.heart-burst", { "aria-hidden": "true" }, icon("heart", 96));

  function renderLike() {
    likeButton.classList.toggle("liked", video.is_favorite);
    likeButton.setAttribute("aria-pressed", String(video.is_favorite));
    likeCount.textContent = formatCount(video.favorite_count);
  }

  async function setLiked(liked) {
    if (!requireLogin() || video.is_favorite === liked) return;
    video.is_favorite = liked;
    video.favorite_count += liked ? 1 : -1;
    renderLike();
    try {
      await api.like(video.id, liked);
    } catch (error) {
      video.is_favorite = !liked;
      video.favorite_count += liked ? -1 : 1;
      renderLike();
      showError(error);
    }
  }

  let lastTap = 0;
  let singleTapTimer;
  element.addEventListener("click", (event) => {
    const now = Date.now();
    if (now - lastTap < DOUBLE_TAP_MS) {
      clearTimeout(singleTapTimer);
      lastTap = 0;
      heart.style.left = `${event.offsetX}px`;
      heart.style.top = `${event.offsetY}px`;
      heart.classList.remove("show");
      void heart.offsetWidth; // restart the animation
      heart.classList.add("show");
      setLiked(true);
      return;
    }
    lastTap = now;
    singleTapTimer = setTimeout(() => (element.paused ? element.play().catch(() => {}) : element.pause()), DOUBLE_TAP_MS);
  });

  likeButton.addEventListener("click", () => setLiked(!video.is_favorite));
  commentButton.addEventListener("click", () =>
    openComments(video, (count) => {
      video.comment_count = count;
      commentCount.textContent = formatCount(count);
    }),
  );
  followButton.addEventListener("click", async () => {
    if (!requireLogin()) return;
    followButton.hidden = true;
    try {
      await api.follow(video.author.id, true);
      video.author.is_follow = true;
    } catch (error) {
      followButton.hidden = false;
      showError(error);
    }
  });
  soundButton.addEventListener("click", () => {
    soundOn = !soundOn;
    for (const clip of document.querySelectorAll("video.clip")) clip.muted = !soundOn;
    for (const button of document.querySelectorAll("button.sound")) button.replaceChildren(icon(soundOn ? "sound" : "muted", 20));
  });
  renderLike();

  return h("article.card-video", { dataset: { videoId: video.id } },
    element,
    heart,
    soundButton,
    h("div.rail", {},
      h("a.rail-avatar", { href: `#/user/${video.author.id}`, "aria-label": `${video.author.name}'s profile` },
        avatar(video.author), followButton),
      likeButton,
      commentButton,
    ),
    h("div.caption", {},
      h("a.author", { href: `#/user/${video.author.id}` }, `@${video.author.name}`),
      h("p.title", {}, video.title),
    ),
  );
}

// container: where the list goes; loadMore(): next videos or [] at the end; returns a cleanup function.
export function createPlayer(container, { initial = [], loadMore = async () => [], startIndex = 0, empty = "" }) {
  const list = h("div.player");
  const sentinel = h("div.sentinel", {}, h("div.spinner", { "aria-label": "Loading" })); // not a snap point
  list.append(sentinel);
  container.append(list);
  let loading = false;
  let finished = false;

  // Cards within a screen of the viewport fetch their poster and start buffering.
  const warmUp = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const clip = entry.target;
      clip.poster = clip.dataset.poster;
      clip.preload = "auto";
      warmUp.unobserve(clip);
    }
  }, { root: list, rootMargin: "100% 0px" });

  const visibility = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const clip = entry.target;
      if (entry.isIntersecting && entry.intersectionRatio >= 0.6) clip.play().catch(() => {});
      else clip.pause();
    }
  }, { root: list, threshold: [0, 0.6] });

  function append(videos) {
    const wasEmpty = !list.querySelector(".card-video");
    for (const video of videos) {
      const card = videoCard(video);
      list.insertBefore(card, sentinel);
      visibility.observe(card.querySelector("video"));
      warmUp.observe(card.querySelector("video"));
    }
    if (wasEmpty && videos.length) list.scrollTop = 0; // stay on the first video, not the loading row
  }

  async function more() {
    if (loading || finished) return;
    loading = true;
    try {
      const videos = await loadMore();
      if (!videos.length) {
        finished = true;
        sentinel.replaceChildren(list.querySelector(".card-video") ? h("p.muted", {}, "You're all caught up.") : h("p.empty", {}, empty));
      }
      append(videos);
    } catch (error) {
      showError(error);
      sentinel.replaceChildren(h("button.secondary", { type: "button", onclick: () => { sentinel.replaceChildren(h("div.spinner")); more(); } }, "Try again"));
    } finally {
      loading = false;
    }
  }

  const nearEnd = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && more(), {
    root: list, rootMargin: "200% 0px",
  });
  append(initial);
  if (startIndex) requestAnimationFrame(() => list.children[startIndex]?.scrollIntoView());
  nearEnd.observe(sentinel);

  const keys = (event) => {
    if (!["ArrowDown", "ArrowUp", "j", "k"].includes(event.key) || event.target.closest("input, textarea")) return;
    event.preventDefault();
    list.scrollBy({ top: (event.key === "ArrowDown" || event.key === "j" ? 1 : -1) * list.clientHeight, behavior: "smooth" });
  };
  document.addEventListener("keydown", keys);
  return () => {
    visibility.disconnect();
    warmUp.disconnect();
    nearEnd.disconnect();
    document.removeEventListener("keydown", keys);
    for (const clip of list.querySelectorAll("video")) clip.pause();
  };
}
