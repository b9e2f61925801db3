/**
 * DB-IP's credit: its IP to City Lite data is CC BY 4.0, and DB-IP asks every page that shows what the data
 * decided (a location or country placed from an IP address, a rule's reason about one) to link back to it.
 */
export function DbIpCredit() {
  return (
    <p className="muted">
      IP locations and countries: <a href="https://db-ip.com">IP Geolocation by DB-IP</a>.
    </p>
  );
}
