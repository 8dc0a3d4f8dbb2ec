// Home: the public feed, newest first, walking backwards with next_time.
import { api } from "../api.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { createPlayer } from "./player.js";

export function renderFeed(container) {
  let latestTime = 0;
  const seen = new Set();
  container.append(h("header.overlay-header", {}, h("span.brand", {}, "GopherTok"), h("button.refresh", {
    type: "button", "aria-label": "Refresh", onclick: () => window.dispatchEvent(new HashChangeEvent("hashchange")),
  }, icon("refresh", 20))));
  return createPlayer(container, {
    empty: "No videos yet. Be the first: tap ＋ to upload one.",
    loadMore: async () => {
      const page = await api.feed(latestTime || undefined);
      const fresh = page.video_list.filter((video) => !seen.has(video.id));
      for (const video of fresh) seen.add(video.id);
      if (!page.video_list.length || (latestTime && page.next_time >= latestTime)) return [];
      latestTime = page.next_time;
      return fresh;
    },
  });
}
