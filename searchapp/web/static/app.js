/* searchapp pages: progressive enhancement only. Everything works without this file
   (forms and links); it adds auto-submitting filters (focus kept on the ticked box),
   clean URLs, match navigation, dragging a year range on the chart and
   search-as-you-type (debounced, and never while an input method is composing). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  /** Drop empty fields before a GET form submits, so the URL stays short and canonical. */
  function dropEmptyFields(form) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && (el.type === "text" || el.type === "search" || el.type === "number" || el.type === "hidden") &&
          !String(el.value).trim()) {
        el.disabled = true;
        el.setAttribute("data-was-empty", "");
      }
    });
  }

  /* Coming back with the back button may restore the page from cache with those fields
     still disabled; give them back. */
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-was-empty]"), function (el) {
      el.disabled = false;
      el.removeAttribute("data-was-empty");
    });
  });

  var FOCUS_KEY = "searchapp-focus";

  function enhanceForms() {
    Array.prototype.forEach.call(document.querySelectorAll("form[method=get]"), function (form) {
      if (form.hasAttribute("data-enhanced")) return;
      form.setAttribute("data-enhanced", "");
      form.addEventListener("submit", function () { dropEmptyFields(form); });
    });
    var facetForm = document.querySelector(".facet-form[data-autosubmit]");
    if (!facetForm || facetForm.hasAttribute("data-autosubmitting")) return;
    facetForm.setAttribute("data-autosubmitting", "");
    facetForm.addEventListener("change", function (event) {
      var t = event.target;
      if (t && t.type === "checkbox") {
        // The page reloads with the filter applied; remember the box so focus comes back to it.
        try { sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ name: t.name, value: t.value })); } catch (e) { /* private mode */ }
        dropEmptyFields(facetForm);
        facetForm.submit();
      }
    });
  }

  /** After a facet reload, put keyboard focus back on the checkbox that was ticked. */
  function restoreFacetFocus() {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(FOCUS_KEY) || "null");
      sessionStorage.removeItem(FOCUS_KEY);
    } catch (e) { return; }
    if (!saved) return;
    var boxes = document.querySelectorAll(".facet-form input[type=checkbox]");
    var target = null;
    Array.prototype.forEach.call(boxes, function (box) {
      if (!target && box.name === saved.name && box.value === saved.value) target = box;
    });
    if (!target) {  // the value is gone from the list: the first box of the same facet
      Array.prototype.forEach.call(boxes, function (box) { if (!target && box.name === saved.name) target = box; });
    }
    if (target) target.focus();
  }

  /** Drag across the year chart to filter a range (a click still follows the bar's link). */
  function enhanceYearChart() {
    var chart = document.querySelector("svg.chart-years");
    if (!chart || chart.hasAttribute("data-enhanced")) return;
    chart.setAttribute("data-enhanced", "");
    var bars = Array.prototype.slice.call(chart.querySelectorAll("a[data-year]"));
    var start = null;
    var end = null;
    function barAt(event) {
      var node = document.elementFromPoint(event.clientX, event.clientY);
      while (node && node !== chart) {
        if (node.getAttribute && node.getAttribute("data-year")) return node;
        node = node.parentNode;
      }
      return null;
    }
    function mark() {
      var lo = Math.min(start, end), hi = Math.max(start, end);
      bars.forEach(function (bar) {
        var y = +bar.getAttribute("data-year");
        bar.classList.toggle("in-range", start !== null && y >= lo && y <= hi);
      });
    }
    chart.addEventListener("pointerdown", function (event) {
      var bar = barAt(event);
      if (!bar || event.button !== 0) return;
      start = end = +bar.getAttribute("data-year");
      mark();
    });
    chart.addEventListener("pointermove", function (event) {
      if (start === null) return;
      var bar = barAt(event);
      if (bar) { end = +bar.getAttribute("data-year"); mark(); }
    });
    function finish(event) {
      if (start === null) return;
      var lo = Math.min(start, end), hi = Math.max(start, end);
      start = end = null;
      if (lo === hi) { mark(); return; }  // a click: the bar's own link
      event.preventDefault();
      chart.setAttribute("data-dragged", "");
      var url = new URL(location.href);
      url.searchParams.delete("year");
      url.searchParams.delete("page");
      url.searchParams.append("year", lo + "-" + hi);
      location.href = url.pathname + "?" + url.searchParams.toString();
    }
    chart.addEventListener("pointerup", finish);
    chart.addEventListener("pointerleave", function () { if (start !== null) { start = end = null; mark(); } });
    // A drag ends with a click on the last bar: it must not follow that bar's link.
    chart.addEventListener("click", function (event) {
      if (chart.hasAttribute("data-dragged")) { event.preventDefault(); chart.removeAttribute("data-dragged"); }
    });
    chart.addEventListener("dragstart", function (event) { event.preventDefault(); });
  }

  /** Search as you type on the search page: the results part of the page is fetched
   *  and swapped in place (the box keeps focus), debounced, never mid-composition. */
  function searchAsYouType() {
    if (!document.body.classList.contains("page-search")) return;
    var form = document.querySelector(".topbar form.searchbox");
    var box = form && form.querySelector("input[type=search]");
    var main = document.getElementById("main");
    if (!box || !main || !window.fetch || !window.DOMParser) return;
    var composing = false;
    var timer = null;
    var controller = null;
    var lastQuery = box.value.trim();
    function urlFor(q) {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.disabled) return;
        var v = el === box ? q : String(el.value).trim();
        if (v) params.append(el.name, v);
      });
      var qs = params.toString();
      return form.getAttribute("action") + (qs ? "?" + qs : "");
    }
    function run() {
      var q = box.value.trim();
      if (q === lastQuery || !q) return;
      lastQuery = q;
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var url = urlFor(q);
      fetch(url, { headers: { "Accept": "text/html" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.text().then(function (text) { return [response, text]; }); })
        .then(function (answer) {
          if (q !== box.value.trim()) return;
          var doc = new DOMParser().parseFromString(answer[1], "text/html");
          var fresh = doc.getElementById("main");
          if (!fresh) return;
          main.innerHTML = fresh.innerHTML;
          document.title = doc.title;
          if (history.replaceState) history.replaceState(null, "", answer[0].url || url);
          enhanceForms();
          enhanceYearChart();
        }, function () { /* aborted or offline: the form still submits normally */ });
    }
    function schedule(event) {
      clearTimeout(timer);
      if (composing || (event && event.isComposing)) return;
      timer = setTimeout(run, 350);
    }
    box.addEventListener("compositionstart", function () { composing = true; clearTimeout(timer); });
    box.addEventListener("compositionend", function () { composing = false; schedule(); });
    box.addEventListener("input", schedule);
    box.addEventListener("keydown", function (event) {
      if (event.isComposing || event.keyCode === 229) return;
      if (event.key === "Enter") clearTimeout(timer);  // a full submit follows
    });
  }

  /** Next/previous match on the document page: buttons and the n/p keys. */
  function enhanceMatches() {
    var bar = document.getElementById("matchbar");
    var text = document.getElementById("doctext");
    if (!bar || !text) return;
    var marks = text.querySelectorAll("mark[id^='m']");
    if (!marks.length) return;
    var current = -1;

    var nav = document.createElement("span");
    nav.className = "matchnav";
    var prev = document.createElement("button");
    prev.type = "button";
    prev.className = "match-prev";
    prev.textContent = "‹ 上一处";
    prev.title = "上一处匹配（p）";
    var pos = document.createElement("span");
    pos.className = "pos";
    pos.setAttribute("aria-live", "polite");
    var next = document.createElement("button");
    next.type = "button";
    next.className = "match-next";
    next.textContent = "下一处 ›";
    next.title = "下一处匹配（n）";
    var hint = document.createElement("span");
    hint.className = "muted";
    var kn = document.createElement("kbd");
    kn.textContent = "n";
    var kp = document.createElement("kbd");
    kp.textContent = "p";
    hint.appendChild(kn);
    hint.appendChild(document.createTextNode(" / "));
    hint.appendChild(kp);
    nav.appendChild(prev);
    nav.appendChild(pos);
    nav.appendChild(next);
    nav.appendChild(hint);
    bar.appendChild(nav);

    function show(i, scroll) {
      if (current >= 0 && marks[current]) marks[current].classList.remove("current");
      current = (i + marks.length) % marks.length;
      var mark = marks[current];
      mark.classList.add("current");
      pos.textContent = (current + 1) + " / " + marks.length;
      if (scroll) {
        mark.scrollIntoView({ block: "center" });
        if (window.history && history.replaceState) history.replaceState(null, "", "#" + mark.id);
      }
    }
    function step(dir) { show(current < 0 ? (dir > 0 ? 0 : marks.length - 1) : current + dir, true); }

    prev.addEventListener("click", function () { step(-1); });
    next.addEventListener("click", function () { step(1); });
    document.addEventListener("keydown", function (event) {
      var t = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      if (event.key === "n" || event.key === "j") { step(1); event.preventDefault(); }
      else if (event.key === "p" || event.key === "k") { step(-1); event.preventDefault(); }
    });
    var m = /^#m(\d+)$/.exec(location.hash);
    if (m && +m[1] >= 1 && +m[1] <= marks.length) show(+m[1] - 1, false);
    else pos.textContent = "– / " + marks.length;
  }

  /** "/" focuses the search box, as on most search sites. */
  function focusShortcut() {
    var box = document.querySelector(".topbar input[type=search]");
    if (!box) return;
    document.addEventListener("keydown", function (event) {
      var t = event.target;
      if (event.key !== "/" || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA"))) return;
      event.preventDefault();
      box.focus();
      box.select();
    });
  }

  function init() {
    enhanceForms();
    restoreFacetFocus();
    enhanceYearChart();
    searchAsYouType();
    enhanceMatches();
    focusShortcut();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
