// The attendance chart on the study page; its figures come from a json_script element (no inline script).
// Horizontal bars: the dates fit a 360 px phone, and the themes show when a bar is tapped.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("study-chart-data");
  const canvas = document.getElementById("study-chart");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const font = { size: 18 };
  canvas.parentElement.style.height = `${Math.max(12, data.labels.length * 2.6 + 5)}rem`;
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.rates, backgroundColor: "#9b1c1c" }],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: 100, ticks: { font, callback: (value) => `${value}%` } },
        y: { ticks: { font } },
      },
      plugins: {
        legend: { labels: { font } },
        tooltip: {
          titleFont: font,
          bodyFont: font,
          callbacks: { title: (items) => data.titles[items[0].dataIndex] },
        },
      },
    },
  });
});
