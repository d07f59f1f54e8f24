// Honest about the connection (rasa-webchat 1.0.1 only shows 「正在连接…」 in its header and
// disables its input): a banner while the chat server is unreachable, after a while with the
// support hours and a link to leave a message, the input saying why it is off, a grey launcher
// while closed; and 「人工客服 … 正在输入…」 when the agent types in the console.
(function () {
  var element = document.getElementById("webchat");
  var DOWN_AFTER = 8000, TYPING_SHOWN = 6000, HINT = "请输入您的问题…", OFFLINE_HINT = "连接中断，恢复后可继续输入";
  var state = { connected: false, ever: false, since: Date.now(), typingTimer: null, agent: null, preview: "" };
  var hours = element ? element.getAttribute("data-support-hours") : "";

  function make(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) { node.textContent = text; }
    return node;
  }
  function slot(className, before) {  // our element inside the open widget, (re)created when needed
    var container = document.querySelector(".rw-conversation-container");
    if (!container) { return null; }
    var node = container.querySelector("." + className);
    if (!node) {
      node = make("div", className);
      var anchor = container.querySelector(before);
      container.insertBefore(node, anchor || null);
    }
    return node;
  }
  function renderBanner() {
    var banner = slot("rw-connection", ".rw-messages-container");
    var launcher = document.querySelector(".rw-launcher");
    var down = !state.connected && (state.ever || Date.now() - state.since > DOWN_AFTER);
    var long = !state.connected && Date.now() - state.since > DOWN_AFTER;
    var box = document.querySelector(".rw-new-message");
    if (launcher) { launcher.classList.toggle("rw-offline", down); }
    if (box && box.getAttribute("placeholder") !== (down ? OFFLINE_HINT : HINT)) {
      box.setAttribute("placeholder", down ? OFFLINE_HINT : HINT);
    }
    if (!banner) { return; }
    banner.setAttribute("role", "status");
    banner.hidden = !down;
    banner.parentNode.classList.toggle("rw-offline-banner", down);
    if (!down || banner.getAttribute("data-long") === String(long)) { return; }
    banner.setAttribute("data-long", String(long));
    banner.textContent = "";
    banner.appendChild(make("strong", "", long ? "智能助手暂时连接不上，正在自动重连。" : "连接中断，正在重连…"));
    if (long) {
      banner.appendChild(document.createTextNode(" 人工客服服务时间：" + hours + "。您也可以"));
      var link = make("a", "", "留言或预约电话回访");
      link.href = "/contact";
      link.target = "_blank";
      link.rel = "noopener";
      banner.appendChild(link);
      banner.appendChild(document.createTextNode("，客服会尽快联系您。"));
    }
  }
  function renderTyping() {
    var line = slot("rw-agent-typing", ".rw-sender");
    if (!line) { return; }
    var text = state.agent ? "人工客服 " + state.agent + " 正在输入…" : "";
    line.setAttribute("aria-live", "polite");
    line.hidden = !state.agent;
    if (line.textContent !== text) { line.textContent = text; }
  }
  // While the window is closed, the newest message shows above the launcher (the widget's own
  // preview starts at the oldest message and sits inside the launcher button, a control
  // nested in a control); a click opens the chat.
  function renderPreview(text) {
    var preview = document.getElementById("refund-preview");
    var open = document.querySelector(".rw-conversation-container");
    if (!preview) {
      preview = make("div", "refund-preview");
      preview.id = "refund-preview";
      preview.setAttribute("role", "status");
      var show = make("button", "refund-preview-text");
      show.type = "button";
      show.addEventListener("click", function () { var l = document.querySelector(".rw-launcher"); if (l) { l.click(); } });
      var close = make("button", "refund-preview-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "关闭消息预览");
      close.addEventListener("click", function () { state.preview = ""; renderPreview(); });
      preview.appendChild(show);
      preview.appendChild(close);
      document.body.appendChild(preview);
    }
    if (typeof text === "string") { state.preview = text; }
    var shown = open ? "" : state.preview;
    preview.hidden = !shown;
    var body = preview.querySelector(".refund-preview-text");
    if (body.textContent !== shown) { body.textContent = shown; }
  }
  window.refundWidget = {
    preview: function (message) {
      var text = message && typeof message.text === "string" ? message.text : "";
      if (text && !document.querySelector(".rw-conversation-container")) { renderPreview(text.slice(0, 120)); }
    },
    changed: function (connected) {
      if (!connected && state.connected) { state.since = Date.now(); }  // a new outage starts now
      state.connected = connected;
      state.ever = state.ever || connected;
      renderBanner();
    },
    agentTyping: function (data) {
      clearTimeout(state.typingTimer);
      state.agent = data && data.agent_name ? String(data.agent_name).slice(0, 20) : null;
      if (state.agent) { state.typingTimer = setTimeout(function () { state.agent = null; renderTyping(); }, TYPING_SHOWN); }
      renderTyping();
    }
  };
  // The widget re-creates its window when opened: put our parts back, and keep the banner's
  // wording current while the server stays away.
  if (window.MutationObserver) {
    new MutationObserver(function () { renderBanner(); renderTyping(); if (state.preview) { renderPreview(); } })
      .observe(document.body, { childList: true, subtree: true });
  }
  setInterval(renderBanner, 1000);
})();

// Starts the chat widget with the settings the page put on #webchat (no inline script, so the
// page's Content-Security-Policy can forbid inline scripts and javascript: links).
(function () {
  var element = document.getElementById("webchat");
  if (!element || !window.WebChat) { return; }
  var delay = parseInt(element.getAttribute("data-message-delay") || "300", 10);
  var widget = window.refundWidget;
  window.WebChat.default({
    selector: "#webchat",
    initPayload: "/greet",
    socketUrl: element.getAttribute("data-socket-url"),
    socketPath: "/socket.io/",
    title: "云途退款助手",
    subtitle: "退款申请 · 进度查询 · 政策咨询",
    inputTextFieldHint: "请输入您的问题…",
    connectingText: "正在连接…",
    hideWhenNotConnected: false,
    // Without this the widget stays display:none until the server confirms a session, so an
    // unreachable server made the launcher vanish.
    withRules: false,
    showFullScreenButton: false,
    displayUnreadCount: true,
    customMessageDelay: function () { return delay; },
    params: { storage: "session" },
    onSocketEvent: {
      session_confirm: function () { widget.changed(true); },
      disconnect: function () { widget.changed(false); },
      connect_error: function () { widget.changed(false); },
      agent_typing: function (data) { widget.agentTyping(data); },
      bot_uttered: function (message) { widget.agentTyping(null); widget.preview(message); }
    }
  }, null);
})();

// rasa-webchat 1.0.1 renders icon-only buttons without names, a message list that screen
// readers do not announce, and agents' messages like the assistant's: name the buttons, make
// the list a polite live region and mark agents' bubbles, whenever the widget (re)renders them.
(function () {
  // The widget mounts itself at the end of <body>, not inside #webchat.
  var root = document.body;
  if (!document.getElementById("webchat") || !window.MutationObserver) { return; }
  var names = [[".rw-send", "发送"],
               [".rw-close-button", "收起对话窗口"], [".rw-new-message", "输入您的问题"]];
  function label() {
    var launcher = root.querySelector(".rw-launcher");
    var unread = root.querySelector(".rw-unread-count-pastille");
    // Starts with the badge's visible number, so the spoken name matches what is seen.
    var name = (unread ? unread.textContent + " 条未读消息，" : "") + "打开或收起云途退款助手";
    if (launcher && launcher.getAttribute("aria-label") !== name) { launcher.setAttribute("aria-label", name); }
    names.forEach(function (pair) {
      var element = root.querySelector(pair[0]);
      if (element && element.getAttribute("aria-label") !== pair[1]) { element.setAttribute("aria-label", pair[1]); }
    });
    // A human agent's message (signed 【人工客服 名字】 by the console) gets its own bubble style
    // and the agent's name above it, so it never reads as the assistant.
    Array.prototype.forEach.call(root.querySelectorAll(".rw-response .rw-message-text"), function (text) {
      var bubble = text.closest(".rw-response");
      if (!bubble || bubble.classList.contains("rw-agent")) { return; }
      var signed = /^【人工客服\s*([^】]{1,20})】/.exec(text.textContent || "");
      if (signed) {
        bubble.classList.add("rw-agent");
        bubble.setAttribute("data-agent", "人工客服 · " + signed[1]);
        bubble.setAttribute("data-initial", signed[1].trim().slice(-1));  // 小李 → 李, shown as an avatar
      }
    });
    var log = root.querySelector(".rw-messages-container");
    if (log && log.getAttribute("role") !== "log") {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "对话记录");
      log.setAttribute("tabindex", "0");  // scrollable by keyboard too (small screens, 200% zoom)
    }
  }
  label();
  new MutationObserver(label).observe(root, { childList: true, subtree: true });
})();


// While a human agent holds the conversation, the console shows 「客户正在输入…」: tell the site
// (at most every few seconds) that the logged-in customer is typing in the widget.
(function () {
  var element = document.getElementById("webchat");
  var url = element && element.getAttribute("data-typing-url");
  if (!url || !window.fetch) { return; }
  var csrf = element.getAttribute("data-csrf"), last = 0, pending = null;
  function tell() {
    pending = null;
    var box = document.querySelector(".rw-new-message");
    if (!box || !(box.value || "").trim()) { return; }  // sent or cleared meanwhile: not typing any more
    last = Date.now();
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } }).catch(function () {});
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.classList || !target.classList.contains("rw-new-message")) { return; }
    if (pending !== null || !(target.value || "").trim()) { return; }
    // At most one signal every 3 s; a keystroke inside that time is told when it is over.
    pending = setTimeout(tell, Math.max(0, last + 3000 - Date.now()));
  });
})();
