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
