// The upload page's file picker: says in Chinese which files were chosen (the browser's own
// control would say "Choose Files" / "No file chosen" in the browser's language).
(function () {
  var input = document.getElementById("files");
  var shown = document.getElementById("chosen-files");
  if (!input || !shown) { return; }
  input.addEventListener("change", function () {
    var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
    shown.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
  });
})();
