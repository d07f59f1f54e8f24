// The upload page: a Chinese file picker (the browser's own control would say "Choose Files"),
// drag and drop onto the form, and a progress bar while the files go up. Without scripts the
// plain form still works; with them the answer page replaces the form in place.
(function () {
  function bind() {
    var form = document.getElementById("upload-form");
    var input = document.getElementById("files");
    var shown = document.getElementById("chosen-files");
    var progress = document.getElementById("upload-progress");
    if (!form || !input || !shown) { return; }

    function describe() {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      shown.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
    }
    input.addEventListener("change", describe);

    form.addEventListener("dragover", function (event) { event.preventDefault(); form.classList.add("dragging"); });
    form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        describe();
      }
    });

    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData || !progress) { return; }  // the plain form posts
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      // The page's token in a header: the server checks it before it reads any file.
      var token = form.querySelector('input[name="csrf"]');
      if (token) { request.setRequestHeader("X-CSRF-Token", token.value); }
      progress.hidden = false;
      progress.value = 0;
      shown.textContent = "正在上传…";
      request.upload.onprogress = function (e) {
        if (e.lengthComputable) { progress.value = Math.round(e.loaded / e.total * 100); }
      };
      request.onload = function () {
        progress.value = 100;
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var fresh = page.querySelector("main");
        if (fresh) { document.querySelector("main").replaceWith(fresh); bind(); }
      };
      request.onerror = function () {
        progress.hidden = true;
        shown.textContent = "上传失败，请检查网络后重试；已选择的文件还在。";
      };
      request.send(new FormData(form));
    });
  }
  bind();
})();
