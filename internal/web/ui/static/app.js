// honeygate dashboard script: the pages read without it; it adds the
// transcript replay and the live count of new events. No inline scripts:
// the Content-Security-Policy forbids them. Text from the server is only
// ever set with textContent, never parsed as HTML.
"use strict";
(function () {
  function replay() {
    var pre = document.getElementById("transcript");
    var btn = document.getElementById("replay");
    if (!pre || !btn) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var lines = pre.querySelectorAll(".line");
      var timers = [];
      lines.forEach(function (l) { l.classList.add("hide"); });
      var prev = 0, at = 0;
      lines.forEach(function (l) {
        var ms = parseInt(l.getAttribute("data-ms"), 10) || 0;
        // Long pauses are shortened to 2 s so a day-long session replays in minutes.
        at += Math.min(Math.max(ms - prev, 0), 2000);
        prev = ms;
        var typed = l.querySelector(".typed");
        var text = typed ? typed.textContent : null;
        timers.push(setTimeout(function () {
          l.classList.remove("hide");
          if (typed) {
            typed.textContent = "";
            var i = 0;
            var t = setInterval(function () {
              typed.textContent = text.slice(0, ++i);
              if (i >= text.length) clearInterval(t);
            }, 25);
          }
        }, at));
      });
    });
  }

  // live shows how many events were stored since the page loaded: from
  // the server-sent events of /ui/events, or by polling /ui/live when the
  // browser has no EventSource or the stream is refused.
  function live() {
    var el = document.getElementById("live");
    if (!el) return;
    var since = Date.now();
    function show(j) {
      if (!j || j.new <= 0) return;
      el.textContent = (j.new >= j.cap ? j.cap + "+" : j.new) + " " + el.getAttribute("data-label");
      el.hidden = false;
    }
    function poll() {
      if (!window.fetch) return;
      setInterval(function () {
        fetch("/ui/live?since=" + since, { credentials: "same-origin" }).then(function (r) {
          return r.ok ? r.json() : null;
        }).then(show).catch(function () {});
      }, 5000);
    }
    if (window.EventSource) {
      var es = new EventSource("/ui/events?since=" + since);
      var opened = false;
      es.onopen = function () { opened = true; };
      es.onmessage = function (m) { try { show(JSON.parse(m.data)); } catch (e) {} };
      es.onerror = function () { if (!opened) { es.close(); poll(); } };
    } else {
      poll();
    }
    el.addEventListener("click", function () { location.reload(); });
  }

  document.addEventListener("DOMContentLoaded", function () { replay(); live(); });
})();
