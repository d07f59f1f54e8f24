// Starts the chat widget with the settings the page put on #webchat (no inline script, so the
// page's Content-Security-Policy can forbid inline scripts and javascript: links).
(function () {
  var element = document.getElementById("webchat");
  if (!element || !window.WebChat) { return; }
  var delay = parseInt(element.getAttribute("data-message-delay") || "300", 10);
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
    showFullScreenButton: false,
    displayUnreadCount: true,
    customMessageDelay: function () { return delay; },
    params: { storage: "session" }
  }, null);
})();

// rasa-webchat 1.0.1 renders icon-only buttons without names, a message list that screen
// readers do not announce, and agents' messages like the assistant's: name the buttons, make
// the list a polite live region and mark agents' bubbles, whenever the widget (re)renders them.
(function () {
  // The widget mounts itself at the end of <body>, not inside #webchat.
  var root = document.body;
  if (!document.getElementById("webchat") || !window.MutationObserver) { return; }
  var names = [[".rw-launcher", "打开或收起云途退款助手"], [".rw-send", "发送"],
               [".rw-close-button", "收起对话窗口"], [".rw-new-message", "输入您的问题"]];
  function label() {
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
      }
    });
    var log = root.querySelector(".rw-messages-container");
    if (log && log.getAttribute("role") !== "log") {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "对话记录");
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
