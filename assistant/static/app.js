/* The Gradio page's behaviour that Gradio has no setting for (ui_base.page_head puts it into <head>). */
(function () {
  "use strict";
  // One click opens a source. A link inside a table cell (the 指标 tab's sentences, the 报告 tab's
  // titles) would otherwise first only select the cell: the press never reaches Gradio's table, the
  // click opens the source viewer in a tab of its own (the chat stays where it is).
  var TABLE_LINKS = "a.target-src, a.report-src";
  function plain(e) { return e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey; }
  function link(e) { return e.target.closest ? e.target.closest(TABLE_LINKS) : null; }
  ["pointerdown", "mousedown"].forEach(function (type) {
    document.addEventListener(type, function (e) { if (link(e) && plain(e)) e.stopPropagation(); }, true);
  });
  document.addEventListener("click", function (e) {
    var a = link(e);
    if (!a || !plain(e)) return;
    e.preventDefault();
    e.stopPropagation();
    window.open(a.href, "_blank", "noopener");
  }, true);

  // The file dialog offers the report types. Gradio's own type check is off (its refusal is in
  // English only): a file of another type reaches the server, which refuses it in the page's language.
  function accept() {
    document.querySelectorAll("#upload input[type=file]").forEach(function (input) {
      var types = (window.APP_UPLOAD_TYPES || []).join(",");
      if (types && input.getAttribute("accept") !== types) input.setAttribute("accept", types);
    });
  }
  // Toasts headed in the page's language (Gradio 6 writes the level there: "Info", "Warning").
  function titles() {
    var words = window.APP_TOAST_TITLES || {};
    document.querySelectorAll(".toast-title").forEach(function (title) {
      var level = ["info", "warning", "error", "success"].find(function (l) { return title.classList.contains(l); });
      var text = title.firstChild;
      if (words[level] && text && text.nodeType === Node.TEXT_NODE && text.data.trim() !== words[level])
        text.data = words[level] + " ";
    });
  }

  var queued = false;  // once a frame at most, however much the page changes
  new MutationObserver(function () {
    if (!queued) { queued = true; requestAnimationFrame(function () { queued = false; accept(); titles(); }); }
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
})();
