/* 统计 page: draws the year's charts with the vendored ECharts from the JSON the page
   carries (#stats-data); a click on a bar or slice opens the list it counts. */
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var font = {fontFamily: "sans-serif"};

  function draw(id, option, linkOf) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, {renderer: "svg"});
    option.textStyle = font;
    option.animation = false;
    chart.setOption(option);
    if (linkOf) {
      chart.on("click", function (params) {
        var url = linkOf(params);
        if (url) { window.location.href = url; }
      });
    }
    charts.push(chart);
  }

  var bar = function (name, values) { return {name: name, type: "bar", data: values}; };

  draw("chart-months", {
    title: {text: data.year + "年各月免办申请与证明", left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "axis"}, legend: {top: 24},
    grid: {top: 60, left: 40, right: 20, bottom: 30},
    xAxis: {type: "category", data: data.months}, yAxis: {type: "value", minInterval: 1},
    series: [bar("免办申请", data.applicationsByMonth), bar("免办证明", data.certificatesByMonth)]
  }, function (p) {
    return (p.seriesIndex === 0 ? data.monthLinks.applications : data.monthLinks.certificates)[p.dataIndex];
  });

  draw("chart-districts", {
    title: {text: "各区局免办申请与证明", left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "axis"}, legend: {top: 24},
    grid: {top: 60, left: 40, right: 20, bottom: 50},
    xAxis: {type: "category", data: data.districts, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", minInterval: 1},
    series: [bar("免办申请", data.applicationsByDistrict), bar("免办证明", data.certificatesByDistrict)]
  }, function (p) {
    return (p.seriesIndex === 0 ? data.districtLinks.applications : data.districtLinks.certificates)[p.dataIndex];
  });

  draw("chart-deadlines", {
    title: {text: "发证期限", left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "item", formatter: "{b}：{c}件（{d}%）"},
    series: [{type: "pie", radius: ["30%", "60%"], top: 30, data: data.deadlines,
              label: {formatter: "{b}\n{c}件"}}]
  }, function () { return data.deadlineLink; });

  draw("chart-fasttrack", {
    title: {text: "便捷通道使用单位", left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "axis"}, grid: {top: 40, left: 40, right: 20, bottom: 50},
    xAxis: {type: "category", data: data.districts, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", minInterval: 1},
    series: [bar("单位数", data.fastTrackByDistrict)]
  }, function (p) { return data.districtLinks.fastTrack[p.dataIndex]; });

  draw("chart-writeoff", {
    title: {text: "核销率（%）", left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "axis"}, grid: {top: 40, left: 40, right: 20, bottom: 50},
    xAxis: {type: "category", data: data.districts, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", max: 100},
    series: [bar("核销率", data.writeOffRate)]
  }, function (p) { return data.districtLinks.writeOff[p.dataIndex]; });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.__statsChartsRendered = charts.length;
})();
