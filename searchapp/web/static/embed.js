/* searchapp embeddable search box.
 *
 *   <div id="searchapp"></div>
 *   <script src="http://SEARCH-HOST/embed.js" data-target="#searchapp" data-region="荔湾区"></script>
 *
 * The widget finds its search host from its own src (so one snippet works on any
 * intranet page), lives in a Shadow DOM (the host page's CSS cannot break it and
 * ours cannot leak out), and is themed with CSS custom properties (--searchapp-*).
 * Titles are inserted as text; snippets are rebuilt from text and <mark> only.
 * It never searches while an input method is still composing (pinyin "jiaoshi"
 * before 教师 is chosen), closes its list when focus leaves it, and when the page's
 * origin is not on the server's allow-list it says so (server.cors_origins).
 * See docs/embed.md for every data- attribute.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;

  var src = new URL(script.src, location.href);
  var BASE = src.origin + src.pathname.replace(/(?:static\/)?embed\.js$/, "");
  var data = script.dataset;

  function list(value) {
    return (value || "").split(/[,，|]/).map(function (v) { return v.trim(); }).filter(Boolean);
  }
  function clampInt(value, lo, hi, fallback) {
    var n = parseInt(value, 10);
    return isNaN(n) ? fallback : Math.max(lo, Math.min(hi, n));
  }

  var cfg = {
    placeholder: data.placeholder || "搜索报告、讲话、自查报告…",
    filters: { region: list(data.region), year: list(data.year), theme: list(data.theme), type: list(data.type) },
    size: clampInt(data.size, 1, 20, 5),
    open: data.open || "_blank",
    token: data.token || "",
    minChars: clampInt(data.minChars, 1, 10, 1),
    delay: clampInt(data.delay, 0, 2000, 200),
    suggest: data.suggest !== "false"
  };

  function findHost() {
    var host = data.target ? document.querySelector(data.target) : null;
    if (!host) {
      host = document.createElement("div");
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    return host;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  /** The API's snippet HTML, rebuilt from its text and <mark> elements only. */
  function snippetNode(html) {
    var out = el("p", "sa-snippet");
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.tagName === "MARK") out.appendChild(el("mark", null, node.textContent));
      else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  /** The snippet whose longest highlight is longest: the one that shows the whole phrase. */
  function bestSnippet(snippets) {
    var best = null;
    var bestScore = -1;
    (snippets || []).forEach(function (html) {
      var score = 0;
      html.replace(/<mark>(.*?)<\/mark>/g, function (_, inner) {
        score = Math.max(score, inner.length);
        return "";
      });
      if (score > bestScore) { best = html; bestScore = score; }
    });
    return best;
  }

  function params(q, extra) {
    var p = new URLSearchParams();
    if (q) p.append("q", q);
    Object.keys(cfg.filters).forEach(function (key) {
      cfg.filters[key].forEach(function (v) { p.append(key, v); });
    });
    Object.keys(extra || {}).forEach(function (key) { p.append(key, extra[key]); });
    return p.toString();
  }
  function pageUrl(q) { var qs = params(q); return BASE + (qs ? "?" + qs : ""); }
  function docUrl(id, q) { return BASE + "doc/" + encodeURIComponent(id) + (q ? "?q=" + encodeURIComponent(q) : ""); }

  function getJSON(path, signal) {
    var headers = { "Accept": "application/json" };
    if (cfg.token) headers["X-Searchapp-Token"] = cfg.token;
    return fetch(BASE + path, { headers: headers, signal: signal, credentials: "include", mode: "cors" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            var error = new Error(body.message || body.error || ("HTTP " + response.status));
            error.answered = true;  // the server answered: not a network or CORS failure
            throw error;
          }
          return body;
        });
      });
  }

  /** Why a request could not even be made: this page's origin is not allowed (CORS), or
   *  the server is unreachable. Asked of an open endpoint that any origin may read. */
  function diagnose() {
    return fetch(BASE + "embed.js/origin", { credentials: "omit", mode: "cors" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body && body.allowed === false) {
          return "此网站（" + body.origin + "）未获准使用本搜索框。请管理员在搜索服务的配置文件中把它加入 " +
            body.setting + "，然后重启搜索服务。";
        }
        return "搜索服务没有应答，请稍后再试；如果一直如此，请联系管理员。";
      }, function () {
        return "无法连接搜索服务（" + BASE + "）：请检查网络，或联系管理员确认服务已启动。";
      });
  }

  function build(host) {
    if (host.shadowRoot) return;
    var shadow = host.attachShadow({ mode: "open" });
    var style = el("link");
    style.rel = "stylesheet";
    style.href = BASE + "static/embed.css";
    shadow.appendChild(style);

    var uid = "sa" + Math.random().toString(36).slice(2, 8);
    var box = el("div", "sa");
    box.setAttribute("part", "container");
    var form = el("form", "sa-form");
    form.setAttribute("role", "search");
    form.action = BASE;
    form.method = "get";
    form.target = cfg.open;
    var input = el("input", "sa-input");
    input.type = "search";
    input.name = "q";
    input.placeholder = cfg.placeholder;
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-label", cfg.placeholder);
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", uid + "-list");
    form.appendChild(input);
    Object.keys(cfg.filters).forEach(function (key) {
      cfg.filters[key].forEach(function (v) {
        var hidden = el("input");
        hidden.type = "hidden";
        hidden.name = key;
        hidden.value = v;
        form.appendChild(hidden);
      });
    });
    var button = el("button", "sa-button", "搜索");
    button.type = "submit";
    form.appendChild(button);
    box.appendChild(form);
    var scope = Object.keys(cfg.filters).reduce(function (all, key) { return all.concat(cfg.filters[key]); }, []);
    if (scope.length) {
      // Say that this box only searches part of the collection (a district's reports).
      var note = el("p", "sa-scope", "仅搜索：" + scope.join("、"));
      note.id = uid + "-scope";
      input.setAttribute("aria-describedby", note.id);
      box.appendChild(note);
    }

    var panel = el("div", "sa-panel");
    panel.hidden = true;
    var listbox = el("ul", "sa-list");
    listbox.id = uid + "-list";
    listbox.setAttribute("role", "listbox");
    var status = el("div", "sa-status");
    status.setAttribute("aria-live", "polite");
    panel.appendChild(listbox);
    panel.appendChild(status);
    box.appendChild(panel);
    shadow.appendChild(box);

    var options = [];     // {node, href, kind, text}
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = null;
    var composing = false;  // an input method (pinyin, wubi…) is still composing

    function setOpen(open) {
      panel.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) setActive(-1);
    }
    function setActive(i) {
      if (active >= 0 && options[active]) {
        options[active].node.classList.remove("active");
        options[active].node.setAttribute("aria-selected", "false");
      }
      active = i;
      if (i >= 0 && options[i]) {
        options[i].node.classList.add("active");
        options[i].node.setAttribute("aria-selected", "true");
        options[i].node.scrollIntoView({ block: "nearest" });
        input.setAttribute("aria-activedescendant", options[i].node.id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    /* An option is plain content with role=option (no link inside: a listbox option
       must not contain another interactive element); choosing it opens its address. */
    function addOption(kind, href, fill) {
      var li = el("li", "sa-opt sa-" + kind);
      li.id = uid + "-opt" + options.length;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var link = el("div", "sa-link");
      li.appendChild(link);
      listbox.appendChild(li);
      var option = { node: li, href: href, kind: kind, text: null };
      options.push(option);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus in the box
      li.addEventListener("click", function (event) {
        event.preventDefault();
        choose(option);
      });
      fill(link, option);
      return option;
    }

    function render(q, results, suggestions) {
      listbox.textContent = "";
      options = [];
      active = -1;
      var terms = (suggestions || []).filter(function (s) { return s.kind === "term"; }).slice(0, 3);
      terms.forEach(function (s) {
        addOption("term", pageUrl(s.text), function (link, option) {
          option.text = s.text;
          link.appendChild(el("span", "sa-term-icon", "⌕"));
          link.appendChild(el("span", "sa-term-text", s.text));
        });
      });
      var hits = results ? results.hits : [];
      var shown = {};
      hits.forEach(function (hit) {
        shown[hit.id] = true;
        addOption("hit", docUrl(hit.id, q), function (link) {
          link.appendChild(el("span", "sa-title", hit.heading || hit.title || "（无标题）"));
          var meta = [hit.region && (hit.region.district || hit.region.city || hit.region.province),
                      hit.year ? hit.year + " 年" : null, hit.type].filter(Boolean).join(" · ");
          if (meta) link.appendChild(el("span", "sa-meta", meta));
          var snippet = bestSnippet(hit.snippets);
          if (snippet) link.appendChild(snippetNode(snippet));
        });
      });
      (suggestions || []).filter(function (s) { return s.kind === "title" && s.id && !shown[s.id]; })
        .slice(0, Math.max(0, cfg.size - hits.length)).forEach(function (s) {
          addOption("doc", docUrl(s.id, q), function (link) {
            link.appendChild(el("span", "sa-title", s.text));
          });
        });
      var total = results ? results.total : 0;
      addOption("all", pageUrl(q), function (link) {
        link.textContent = total ? "查看全部 " + total + " 篇结果 ›" : "到搜索页面查找「" + q + "」 ›";
      });
      status.textContent = total ? "" : "没有找到相关报告";
      setOpen(true);
    }

    function showError(message) {
      listbox.textContent = "";
      options = [];
      status.textContent = message;
      box.classList.add("sa-error");
      setOpen(true);
    }

    function run(q) {
      if (controller) controller.abort();
      if (q.length < cfg.minChars) {
        lastQuery = null;
        setOpen(false);
        return;
      }
      lastQuery = q;
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var signal = controller ? controller.signal : undefined;
      box.classList.add("sa-loading");
      var searching = getJSON("api/search?" + params(q, { size: cfg.size }), signal);
      var suggesting = cfg.suggest
        ? getJSON("api/suggest?" + params(q, { limit: cfg.size }), signal).catch(function () { return null; })
        : Promise.resolve(null);
      Promise.all([searching, suggesting]).then(function (answers) {
        if (q !== lastQuery) return;
        box.classList.remove("sa-loading");
        render(q, answers[0], answers[1] ? answers[1].suggestions : []);
      }, function (error) {
        if (error && error.name === "AbortError") return;
        box.classList.remove("sa-loading");
        if (error && error.answered) { showError("搜索出错：" + error.message); return; }
        diagnose().then(function (message) { if (q === lastQuery) showError(message); });
      });
    }

    function schedule(event) {
      clearTimeout(timer);
      // Pinyin typed so far ("jiaoshi") is not the query: wait for the chosen characters.
      if (composing || (event && event.isComposing)) return;
      var q = input.value.trim();
      timer = setTimeout(function () { run(q); }, cfg.delay);
    }

    function openAddress(href) {
      if (cfg.open === "_blank") window.open(href, "_blank", "noopener");
      else window.open(href, cfg.open);
    }

    function choose(option) {
      if (option.kind === "term") {
        input.value = option.text;
        input.focus();
        run(option.text);
        return;
      }
      openAddress(option.href);
    }

    input.addEventListener("compositionstart", function () {
      composing = true;
      clearTimeout(timer);
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      schedule();
    });
    input.addEventListener("input", schedule);
    input.addEventListener("focus", function () { if (options.length && input.value.trim()) setOpen(true); });
    input.addEventListener("keydown", function (event) {
      // Keys that pick or confirm an input-method candidate belong to the input method.
      if (composing || event.isComposing || event.keyCode === 229) return;
      var open = !panel.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) {
          // Reopen what was shown for this text, or fetch it.
          if (options.length && lastQuery === input.value.trim()) { setOpen(true); setActive(0); }
          else if (input.value.trim()) run(input.value.trim());
          return;
        }
        setActive(active + 1 >= options.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) setActive(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Escape") {
        if (!panel.hidden) { event.preventDefault(); setOpen(false); }
        else if (input.value) { event.preventDefault(); input.value = ""; }
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      }
    });
    form.addEventListener("submit", function (event) {
      // Enter without a chosen option: the full results page, in the configured window.
      if (!input.value.trim()) { event.preventDefault(); return; }
      event.preventDefault();
      if (composing) return;
      openAddress(pageUrl(input.value.trim()));
      setOpen(false);
    });
    // Tab (or a click) that takes focus out of the widget closes its list, so the list
    // never covers the portal's next link.
    box.addEventListener("focusout", function (event) {
      var next = event.relatedTarget;
      if (!next || !box.contains(next)) setOpen(false);
    });
    document.addEventListener("click", function (event) {
      var path = event.composedPath ? event.composedPath() : [];
      if (path.indexOf(host) === -1) setOpen(false);
    });
  }

  function start() { build(findHost()); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
