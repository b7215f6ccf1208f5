/* searchapp pages: progressive enhancement only. Everything works without this file
   (forms and links); it adds auto-submitting filters, clean URLs and match navigation. */
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

  function enhanceForms() {
    Array.prototype.forEach.call(document.querySelectorAll("form[method=get]"), function (form) {
      form.addEventListener("submit", function () { dropEmptyFields(form); });
    });
    var facetForm = document.querySelector(".facet-form[data-autosubmit]");
    if (!facetForm) return;
    facetForm.addEventListener("change", function (event) {
      var t = event.target;
      if (t && t.type === "checkbox") {
        dropEmptyFields(facetForm);
        facetForm.submit();
      }
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
    enhanceMatches();
    focusShortcut();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
