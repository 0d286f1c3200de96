/* CCC免办管理控制台: Chinese texts for the framework's widgets, and type-ahead selects for
   relations to large tables (served by /lookup/<table>). Loaded after Flask-AppBuilder's ab.js. */
(function ($) {
  "use strict";
  var select2Zh = {
    errorLoading: function () { return "无法载入结果。"; },
    inputTooLong: function (a) { return "请删除" + (a.input.length - a.maximum) + "个字符"; },
    inputTooShort: function (a) { return "请再输入至少" + (a.minimum - a.input.length) + "个字符"; },
    loadingMore: function () { return "载入更多结果…"; },
    maximumSelected: function (a) { return "最多只能选择" + a.maximum + "个项目"; },
    noResults: function () { return "未找到结果"; },
    searching: function () { return "搜索中…"; },
    removeAllItems: function () { return "删除所有项目"; }
  };
  if ($.fn.datepicker && $.fn.datepicker.dates) {
    $.fn.datepicker.dates["zh-CN"] = {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      daysMin: ["日", "一", "二", "三", "四", "五", "六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      today: "今天", clear: "清除", format: "yyyy-mm-dd", titleFormat: "yyyy年mm月", weekStart: 1
    };
    $.fn.datepicker.defaults.language = "zh-CN";
    $.fn.datepicker.defaults.weekStart = 1;
  }

  // Flask-AppBuilder's actions menu alerts in English when nothing is ticked.
  if (typeof window.ab_alert === "function") {
    var abAlert = window.ab_alert;
    window.ab_alert = function (text) {
      abAlert(text === "No row selected" ? "请先勾选记录。" : text);
    };
  }

  function initRemote(el) {
    var $el = $(el);
    if ($el.data("select2")) { return; }
    $el.select2({
      theme: "bootstrap", language: select2Zh, allowClear: true, minimumInputLength: 0,
      placeholder: $el.data("placeholder") || "请选择",
      ajax: {
        url: $el.data("endpoint"), dataType: "json", delay: 250,
        data: function (params) { return { q: params.term || "" }; },
        processResults: function (data) { return { results: data.results }; }
      }
    });
  }

  function initAll(root) {
    $(".console-remote-select", root).each(function () { initRemote(this); });
  }

  // No inline handlers: the Content-Security-Policy allows only the console's own scripts.
  // A step that asks first (data-confirm, in the framework's dialog), a select that submits its form (data-autosubmit),
  // a 返回 button that goes back (console-back).
  // The question is asked in Flask-AppBuilder's own dialog (#modal-confirm, as its list actions
  // and 删除 do): 取消 leaves the page as it was; 确定 follows the link or submits the form with
  // the button that was clicked.
  var pendingConfirm = null;
  function confirmDialog() { return $("#modal-confirm").first(); }
  $(document).on("click", "[data-confirm]", function (event) {
    var $dialog = confirmDialog();
    if (!$dialog.length || !$.fn.modal) {  // no dialog on this page: the browser's own
      if (!window.confirm($(this).data("confirm"))) { event.preventDefault(); }
      return;
    }
    event.preventDefault();
    pendingConfirm = this;
    $dialog.find(".modal-body").text($(this).data("confirm"));
    $dialog.modal("show");
  });
  // Captured before the framework's own handlers on the same button, which then stay out of
  // it (one of them may still hold a 删除 the user cancelled earlier).
  document.addEventListener("click", function (event) {
    var target = pendingConfirm;
    if (!target || !$(event.target).closest("#modal-confirm-ok").length) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    pendingConfirm = null;
    confirmDialog().modal("hide");
    if (target.form && $(target).is("button, input[type=submit]")) {
      if (target.form.requestSubmit) {
        target.form.requestSubmit(target);
      } else {
        if (target.name) {
          $("<input type=hidden>").attr({ name: target.name, value: target.value })
            .appendTo(target.form);
        }
        target.form.submit();
      }
    } else if (target.href) {
      window.location.href = target.href;
    }
  }, true);
  $(document).on("hidden.bs.modal", "#modal-confirm", function () { pendingConfirm = null; });
  $(document).on("change", "[data-autosubmit]", function () { this.form.submit(); });

  // 账号调整需求: choosing the account fills 原账号功能, user, department, post and phone
  // from the registry (GET /accountchangerequestview/account_facts/<id>, scope-checked);
  // typed values stay.
  $(document).on("change", "form select#account", function () {
    var $form = $(this.form), id = $(this).val();
    if (!id || window.location.pathname.indexOf("/accountchangerequestview/") !== 0) { return; }
    $.getJSON("/accountchangerequestview/account_facts/" + id, function (facts) {
      $.each(facts.fields, function (name, value) {
        var $f = $form.find("#" + name);
        if (!$f.length) { return; }
        if ($f.is(":checkbox")) { $f.prop("checked", !!value); return; }
        if (!$f.val()) { $f.val(value); }
      });
      var $before = $form.find("select#functions_before");
      if ($before.length && !($before.val() || []).length) {
        $before.val(facts.functions_before).trigger("change");
      }
    });
  });
  $(document).on("click", "a.console-back", function (event) {
    if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });

  $(function () {
    $(".my_select2").each(function () {
      var $s = $(this);
      if ($s.data("select2")) { $s.select2("destroy"); }
      $s.select2({ placeholder: "请选择", allowClear: true, theme: "bootstrap", language: select2Zh });
    });
    initAll(document);
    // Search filters are added as the user clicks: initialise their widgets as they appear.
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        $(m.addedNodes).each(function () {
          if (this.nodeType === 1) {
            if ($(this).is(".console-remote-select")) { initRemote(this); }
            initAll(this);
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });

  // List exports: the file is prepared on the server (every row of the filtered list); the
  // page shows how many rows are written until the download starts.
  function newToken() {
    var bytes = new Uint8Array(16), out = "";
    window.crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) { out += ("0" + bytes[i].toString(16)).slice(-2); }
    return out;
  }
  $(document).on("click", "a.console-export-link", function (event) {
    event.preventDefault();
    var link = this, token = newToken();
    var box = $(link).siblings(".console-export-progress");
    var pollUrl = $(link).data("progress-url").replace("TOKEN", token);
    box.prop("hidden", false).text("正在准备导出文件…");
    window.location.href = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "progress=" + token;
    var timer = window.setInterval(function () {
      $.getJSON(pollUrl).done(function (state) {
        if (state.error) {
          box.text(state.error);
          window.clearInterval(timer);
        } else if (state.finished) {
          box.text("已导出" + state.done + "条记录，文件开始下载。");
          window.clearInterval(timer);
        } else if (state.total) {
          box.text("正在准备导出文件：已写入" + state.done + " / " + state.total + "条（" +
                   Math.floor(100 * state.done / state.total) + "%）…");
        }
      });
    }, 800);
  });
})(jQuery);
