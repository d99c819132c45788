import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const axisStyle = { stroke: "#7d8799", grid: { stroke: "#1c2330", width: 1 }, ticks: { stroke: "#232b3b", width: 1 } };

function useSize(ref: React.RefObject<HTMLDivElement | null>) {
  const w = () => Math.max(200, ref.current?.clientWidth ?? 600);
  return w;
}

/** Oracle price over time (seconds, dollars). */
export function PriceChart({ times, prices, label }: { times: number[]; prices: number[]; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const width = useSize(el);
  useEffect(() => {
    if (!el.current) return;
    const u = new uPlot(
      {
        width: width(),
        height: 240,
        legend: { show: false },
        cursor: { points: { size: 6 } },
        scales: {
          x: { time: true },
          // Around the prices shown, never down to zero.
          y: { range: (_u, min, max) => (min === null || max === null ? [0, 1] : [min - Math.max((max - min) * 0.15, min * 0.002), max + Math.max((max - min) * 0.15, max * 0.002)]) },
        },
        series: [{}, { label, stroke: "#4f8cff", width: 2, fill: "rgba(79,140,255,0.08)" }],
        axes: [
          // Whole seconds, one label per ~90 px: a few seconds of history must not crowd the axis.
          { ...axisStyle, space: 90, incrs: [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600], values: (_u, v) => v.map((t) => new Date(t * 1000).toLocaleTimeString("en-GB")) },
          { ...axisStyle, size: 70, values: (_u, v) => v.map((x) => "$" + x.toLocaleString("en-US", { maximumFractionDigits: 2 })) },
        ],
      },
      [[], []],
      el.current,
    );
    plot.current = u;
    const onResize = () => u.setSize({ width: width(), height: 240 });
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      u.destroy();
    };
  }, [label]);
  useEffect(() => {
    plot.current?.setData([times, prices]);
  }, [times, prices]);
  return <div ref={el} className="chart" data-testid="price-chart" />;
}

/** Equity and maintenance margin (dollars) against the price shock (%), the liquidation point marked. */
export function StressChart({ shocks, equity, mm, liqShock }: { shocks: number[]; equity: number[]; mm: number[]; liqShock: number | null }) {
  const el = useRef<HTMLDivElement>(null);
  const width = useSize(el);
  useEffect(() => {
    if (!el.current || shocks.length === 0) return;
    const liqPlugin: uPlot.Plugin = {
      hooks: {
        draw: (u) => {
          if (liqShock === null) return;
          const x = u.valToPos(liqShock, "x", true);
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#ef4444";
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = "#ef4444";
          ctx.font = `${11 * devicePixelRatio}px sans-serif`;
          ctx.fillText(`liquidation ${liqShock.toFixed(1)}%`, x + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
          ctx.restore();
        },
      },
    };
    const u = new uPlot(
      {
        width: width(),
        height: 200,
        legend: { show: true, live: false },
        scales: { x: { time: false } },
        plugins: [liqPlugin],
        series: [
          { label: "shock %" },
          { label: "equity", stroke: "#22c55e", width: 2 },
          { label: "maintenance", stroke: "#ef4444", width: 2, dash: [6, 3] },
        ],
        axes: [
          { ...axisStyle, values: (_u, v) => v.map((x) => x + "%") },
          { ...axisStyle, size: 70, values: (_u, v) => v.map((x) => "$" + x.toLocaleString("en-US", { maximumFractionDigits: 0 })) },
        ],
      },
      [shocks, equity, mm],
      el.current,
    );
    return () => u.destroy();
  }, [shocks, equity, mm, liqShock]);
  return <div ref={el} data-testid="stress-chart" />;
}
