// Upload: pick a file, get a presigned PUT (publish/upload_url), send the file straight to storage with
// progress, then wait until the server has published it (it appears in publish/list).
import { api, putFile } from "../api.js";
import { h, showError, toast } from "../dom.js";
import { session } from "../session.js";

const TYPES = { mp4: "video/mp4", mov: "video/quicktime", webm: "video/webm", mkv: "video/x-matroska",
  avi: "video/x-msvideo", ts: "video/mp2t" };
const WAIT_FOR_PUBLISH_MS = 120_000;

function contentTypeOf(file) {
  if (file.type && Object.values(TYPES).includes(file.type)) return file.type;
  return TYPES[file.name.split(".").pop().toLowerCase()] || file.type || "video/mp4";
}

export function renderUpload(container) {
  let stopped = false;
  const file = h("input", { type: "file", name: "video", accept: "video/*", required: true });
  const title = h("input", { name: "title", placeholder: "Describe your video", maxLength: 100, required: true });
  const preview = h("video.preview", { muted: true, playsInline: true, loop: true, hidden: true });
  const bar = h("progress", { max: 1, value: 0, hidden: true });
  const status = h("p.muted.upload-status", { role: "status" });
  const submit = h("button.primary", { type: "submit" }, "Post");

  file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (!chosen) return;
    preview.src = URL.createObjectURL(chosen);
    preview.hidden = false;
    preview.play().catch(() => {});
    if (!title.value) title.value = chosen.name.replace(/\.[^.]+$/, "").slice(0, 100);
  });

  async function waitUntilPublished(before) {
    const deadline = Date.now() + WAIT_FOR_PUBLISH_MS;
    while (!stopped && Date.now() < deadline) {
      const videos = await api.publishList(session.userId);
      const fresh = videos.find((video) => !before.has(video.id));
      if (fresh) return fresh;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return null;
  }

  async function onSubmit(event) {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    submit.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    try {
      const before = new Set((await api.publishList(session.userId)).map((video) => video.id));
      status.textContent = "Preparing upload…";
      const ticket = await api.uploadUrl(title.value, contentTypeOf(chosen), chosen.size);
      status.textContent = "Uploading…";
      await putFile(ticket, chosen, (fraction) => {
        bar.value = fraction;
        status.textContent = `Uploading… ${Math.round(fraction * 100)}%`;
      });
      bar.value = 1;
      status.textContent = "Processing your video…";
      const video = await waitUntilPublished(before);
      if (stopped) return;
      if (video) {
        toast("Your video is live!");
        location.hash = "#/feed";
      } else {
        status.textContent = "Still processing: it will appear in your profile shortly.";
      }
    } catch (error) {
      status.textContent = error.message;
      showError(error);
    } finally {
      submit.disabled = false;
    }
  }

  container.append(
    h("header.top-bar", {}, h("span"), h("h1", {}, "New video"), h("span")),
    h("form.card.upload", { onsubmit: onSubmit },
      h("label.file-picker", {}, h("span", {}, "Choose a video"), file),
      preview, title, bar, status, submit));
  return () => {
    stopped = true;
  };
}
