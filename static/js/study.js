// The attendance chart on the study page; its figures come from a json_script element (no inline script).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("study-chart-data");
  const canvas = document.getElementById("study-chart");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const font = { size: 18 };
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.rates, backgroundColor: "#9b1c1c" }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        y: { min: 0, max: 100, ticks: { font, callback: (value) => `${value}%` } },
        x: { ticks: { font } },
      },
      plugins: { legend: { labels: { font } } },
    },
  });
});
