// themer.js: live theme updates for drivemon pages, without dependencies.
//
// Load it with <script src="/themer.js" data-events="/bots/BOT/theme/events">.
// It follows the bot's theme stream and
//   - theme.snapshot: brings every <link data-themer-path> up to date and
//     applies the variables (a stylesheet is known by "path" plus, for a
//     name that is not UTF-8, "path_b64": data-themer-path-b64 on links);
//   - theme.css: swaps the stylesheet with that data-themer-path: a clone
//     with the new URL goes in after the old link, and the old one is
//     removed once the new one has loaded (no flash of unstyled content);
//     a deleted stylesheet is removed;
//   - theme.vars: sets the CSS custom properties on :root (--theme-color1,
//     --theme-color2, --theme-logo, --theme-title, --theme-logo-text),
//     removes the ones no longer set, and writes the raw values into
//     elements marked data-theme-text="theme-title" (or another key);
//   - theme.reload: reloads the page (scripts and anything a swap cannot
//     apply).
// EventSource reconnects by itself and resends the last event id; when it
// gives up (an HTTP error such as 429 or 503) themer.js opens a new one with
// exponential backoff (1 s to 30 s, jittered) and ?lastEventId=.
// window.themer exposes counters for tests and debugging.
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script && script.getAttribute("data-events");
  if (!endpoint || typeof EventSource === "undefined") {
    return;
  }
  var state = (window.themer = { events: 0, swaps: 0, reconnects: 0, connected: false, lastEventId: "" });
  var minDelay = 1000, maxDelay = 30000, delay = minDelay;
  var varsSet = {};
  var source = null;

  // A stylesheet is known by its path as the stream writes it: "path" and,
  // for a name that is not UTF-8, "path_b64" with its exact bytes (two such
  // names can show the same "path"). Links carry both in data-themer-path
  // and data-themer-path-b64.
  function keyOf(path, b64) {
    return b64 ? "b64:" + b64 : "path:" + path;
  }

  function linkKey(link) {
    return keyOf(link.getAttribute("data-themer-path"), link.getAttribute("data-themer-path-b64"));
  }

  function current(key) {
    var links = document.querySelectorAll("link[data-themer-path]");
    var found = null;
    for (var i = 0; i < links.length; i++) {
      if (linkKey(links[i]) === key && !links[i].hasAttribute("data-themer-leaving")) {
        found = links[i];
      }
    }
    return found;
  }

  function swap(d) {
    var url = d.url;
    var old = current(keyOf(d.path, d.path_b64));
    if (old && old.getAttribute("href") === url) {
      return;
    }
    var next = old ? old.cloneNode(false) : document.createElement("link");
    next.rel = "stylesheet";
    next.setAttribute("data-themer-path", d.path);
    if (d.path_b64) next.setAttribute("data-themer-path-b64", d.path_b64);
    else next.removeAttribute("data-themer-path-b64");
    next.removeAttribute("data-themer-leaving");
    next.setAttribute("href", url);
    state.swaps++;
    if (!old) {
      document.head.appendChild(next);
      return;
    }
    old.setAttribute("data-themer-leaving", "");
    next.addEventListener("load", function () {
      if (old.parentNode) old.parentNode.removeChild(old);
    });
    next.addEventListener("error", function () {
      // Keep the old stylesheet rather than none.
      if (next.parentNode) next.parentNode.removeChild(next);
      old.removeAttribute("data-themer-leaving");
    });
    old.parentNode.insertBefore(next, old.nextSibling);
  }

  function remove(key) {
    var links = document.querySelectorAll("link[data-themer-path]");
    for (var i = 0; i < links.length; i++) {
      if (linkKey(links[i]) === key && links[i].parentNode) {
        links[i].parentNode.removeChild(links[i]);
      }
    }
  }

  function applyVars(d) {
    var root = document.documentElement.style;
    var vars = d.vars || {};
    for (var name in varsSet) {
      if (!(name in vars)) root.removeProperty(name);
    }
    varsSet = {};
    for (var n in vars) {
      root.setProperty(n, vars[n]);
      varsSet[n] = true;
    }
    var values = d.values || {};
    var marked = document.querySelectorAll("[data-theme-text]");
    for (var i = 0; i < marked.length; i++) {
      var key = marked[i].getAttribute("data-theme-text");
      if (key in values) marked[i].textContent = values[key];
    }
  }

  var handlers = {
    "theme.snapshot": function (d) {
      var keep = {};
      (d.css || []).forEach(function (c) {
        keep[keyOf(c.path, c.path_b64)] = true;
        swap(c);
      });
      var links = document.querySelectorAll("link[data-themer-path]");
      for (var i = 0; i < links.length; i++) {
        if (!keep[linkKey(links[i])]) remove(linkKey(links[i]));
      }
      applyVars(d);
    },
    "theme.css": function (d) {
      if (d.deleted) remove(keyOf(d.path, d.path_b64));
      else swap(d);
    },
    "theme.vars": applyVars,
    "theme.reload": function () {
      if (source) source.close();
      location.reload();
    }
  };

  function connect() {
    var url = endpoint;
    if (state.lastEventId !== "") {
      url += (url.indexOf("?") < 0 ? "?" : "&") + "lastEventId=" + encodeURIComponent(state.lastEventId);
    }
    source = new EventSource(url);
    source.onopen = function () {
      state.connected = true;
      delay = minDelay;
    };
    source.onerror = function () {
      state.connected = false;
      if (source.readyState !== EventSource.CLOSED) {
        return; // EventSource retries by itself, with Last-Event-ID
      }
      source.close();
      var wait = delay / 2 + Math.random() * delay / 2;
      delay = Math.min(delay * 2, maxDelay);
      state.reconnects++;
      setTimeout(connect, wait);
    };
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (e) {
        if (e.lastEventId) state.lastEventId = e.lastEventId;
        state.events++;
        var data;
        try {
          data = JSON.parse(e.data);
        } catch (err) {
          return;
        }
        handlers[name](data);
      });
    });
  }

  connect();
})();
