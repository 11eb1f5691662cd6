/* Forms that send a file (macros.jinja2 `attachments_panel`, the batch upload): once sent, the button says so and
   cannot be pressed twice, and a progress bar shows that the upload is under way — a 5 MB file on a phone's
   connection takes a while, and a page that seems to do nothing invites a second tap. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var bar = form.querySelector(".upload-progress");
      if (button) {
        button.disabled = true;
        button.textContent = "正在上传，请稍候…";
      }
      if (bar) bar.hidden = false;
    });
  });
})();
