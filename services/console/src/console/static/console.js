// The console's only script: no library, no inline code (the pages' policy forbids it).
// It shows a need's preview before saving, keeps live parts of a page up to date from the
// server's events, and asks before an act that cannot be undone.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

function watchPreview(form) {
  const target = document.getElementById("preview");
  let timer = null;
  const ask = async () => {
    const data = new FormData(form);
    if (!data.get("quantity") || !data.get("window_start") || !data.get("window_end")) {
      return;
    }
    const answer = await fetch(form.dataset.preview, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "x-csrf-token": csrfToken() },
      credentials: "same-origin",
    });
    target.innerHTML = await answer.text();
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 100);
  });
}

function followLive(element) {
  const source = new EventSource(element.dataset.live);
  source.addEventListener("update", (event) => {
    element.innerHTML = event.data;
    element.dataset.updated = String(Date.now());
  });
  source.addEventListener("gone", () => source.close());
}

function confirmBeforeActing(button) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

function showProgress(form) {
  form.addEventListener("submit", () => {
    const bar = document.getElementById(form.dataset.progress);
    if (bar) {
      bar.hidden = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-progress]").forEach(showProgress);
  const form = document.querySelector("form[data-preview]");
  if (form) {
    watchPreview(form);
  }
  document.querySelectorAll("[data-live]").forEach(followLive);
  document.querySelectorAll("[data-confirm]").forEach(confirmBeforeActing);
});
