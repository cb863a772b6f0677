// Reloads (or moves on to) the page named by <body data-refresh-seconds data-refresh-url>: the
// calling-number display and the terminal's idle end. A script rather than <meta http-equiv=refresh>
// (which axe counts against WCAG 2.2.1); the <noscript> meta keeps it working without JavaScript.
(function () {
  var holder = document.querySelector("[data-refresh-seconds]");
  if (!holder) return;
  var seconds = parseInt(holder.getAttribute("data-refresh-seconds"), 10);
  var url = holder.getAttribute("data-refresh-url");
  if (!(seconds > 0)) return;
  window.setTimeout(function () {
    if (url) { window.location.assign(url); } else { window.location.reload(); }
  }, seconds * 1000);
})();
