// The customer's refund pages (我的退款, 申请退款). The application shows only the questions the
// chosen service and reason ask; file pickers say in Chinese which files are chosen (the
// browser's own control would say "Choose Files"). Without scripts every section shows, each
// saying when it applies, the server ignores the ones that do not (bot/refunds/application.py),
// and the file inputs still work.
(function () {
  // 「申请已提交」 is news once: reloading or bookmarking this address must not say it again.
  if (window.history && window.history.replaceState && window.URLSearchParams) {
    var params = new window.URLSearchParams(window.location.search);
    if (params.has("done") || params.has("agent")) {
      params.delete("done");
      params.delete("agent");
      var rest = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-chosen]"), function (input) {
    var shown = document.getElementById(input.getAttribute("data-chosen"));
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      shown.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
    });
  });

  var form = document.getElementById("application-form");
  if (!form) { return; }
  function chosen(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }
  function update() {
    var kind = chosen("kind"), reason = chosen("reason");
    Array.prototype.forEach.call(form.querySelectorAll("[data-kinds]"), function (section) {
      var kinds = section.getAttribute("data-kinds").split(",");
      var reasons = section.getAttribute("data-reasons");
      var shown = kinds.indexOf(kind) >= 0;
      if (shown && kind === "refund" && reasons) { shown = reasons.split(",").indexOf(reason) >= 0; }
      section.hidden = !shown;
    });
  }
  form.addEventListener("change", update);
  update();
})();
