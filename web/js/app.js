// Start-up and routing: #/feed, #/login, #/upload, #/friends, #/chat/<id>, #/user/<id>, #/me.
import { on } from "./api.js";
import { banner, toast } from "./dom.js";
import { hydrateIcons } from "./icons.js";
import { session } from "./session.js";
import { renderLogin } from "./views/login.js";
import { renderFeed } from "./views/feed.js";
import { renderProfile } from "./views/profile.js";
import { renderUpload } from "./views/upload.js";
import { renderFriends } from "./views/friends.js";
import { renderChat } from "./views/chat.js";

const routes = {
  login: () => renderLogin,
  feed: () => renderFeed,
  upload: () => renderUpload,
  friends: () => renderFriends,
  chat: () => renderChat,
  user: () => renderProfile,
  me: () => (container) => renderProfile(container, session.userId),
};
const PUBLIC = new Set(["login", "feed"]);

let cleanup = null;
let retryCurrent = () => route();

function route() {
  const [path] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "feed", argument] = path.split("/");
  const known = name in routes ? name : "feed";
  if (!session.loggedIn && !PUBLIC.has(known)) {
    location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
    return;
  }
  if (cleanup) cleanup();
  const container = document.getElementById("view");
  container.replaceChildren();
  container.dataset.view = known;
  document.getElementById("tabs").hidden = known === "login" || known === "chat";
  for (const tab of document.querySelectorAll("#tabs a")) {
    tab.classList.toggle("active", tab.dataset.tab === known);
  }
  retryCurrent = () => route();
  cleanup = routes[known]()(container, argument) || null;
}

on("auth", () => {
  session.clear();
  toast("Your session has expired: please log in again.", "error");
  location.hash = "#/login";
});
on("network", () => banner(true));
on("online", () => banner(false));
document.getElementById("banner-retry").addEventListener("click", () => {
  banner(false);
  retryCurrent();
});
window.addEventListener("online", () => banner(false));
window.addEventListener("offline", () => banner(true, "You are offline."));
window.addEventListener("hashchange", route);
hydrateIcons();
route();
