import type { FeedEvent } from "../model";

export function Feed({ events }: { events: FeedEvent[]; decimals: number }) {
  return (
    <section className="panel" data-testid="feed">
      <h2>
        Account events <span className="right muted">parsed from transaction logs</span>
      </h2>
      <div className="feed">
        {events.length === 0 && <div className="empty">No events yet.</div>}
        {events.map((e, i) => (
          <div key={e.signature + i} className={"ev " + (e.kind === "liquidation" ? "liq" : "")} data-testid="feed-item" data-name={e.name} data-kind={e.kind}>
            <span className="muted num">{e.time ? new Date(e.time * 1000).toLocaleTimeString("en-GB") : e.slot}</span>
            <span className="name">{e.name}</span>
            <span className="detail" title={e.summary}>
              {e.summary}
            </span>
          </div>
        ))}
      </div>
    </section>
  );
}
