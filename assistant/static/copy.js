// The copy button under each answer (render.copy_bar_html): puts the answer as plain text with
// numbered footnotes on the clipboard. The text travels in hidden spans, one per line, since
// chat messages are sanitised. navigator.clipboard needs a secure context (https or localhost);
// on plain http inside an intranet the older execCommand("copy") does it.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest(".copy-answer");
  if (!button) return;
  var bar = button.closest(".copy-bar");
  var text = Array.from(bar.querySelectorAll(".copy-text .l"), function (line) {
    return line.textContent;
  }).join("\n") + "\n";
  var label = button.textContent;
  function done() {
    var said = bar.querySelector(".copy-done");
    button.textContent = said ? said.textContent : "✓";
    setTimeout(function () { button.textContent = label; }, 1500);
  }
  function fallback() {
    var box = document.createElement("textarea");
    box.value = text;
    box.setAttribute("readonly", "");
    box.style.position = "fixed";
    box.style.opacity = "0";
    document.body.appendChild(box);
    box.select();
    try { if (document.execCommand("copy")) done(); } finally { document.body.removeChild(box); }
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
});
