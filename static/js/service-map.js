/* The service map (服务地图): a Leaflet map over the district's outline (GeoJSON, no tile server),
   the service points of the current filters, and the 15-minute service circle around a chosen place.
   Without JavaScript the page keeps its list and plain SVG; this file only enhances it. */
(function () {
  "use strict";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function popup(props, box) {
    var div = el("div");
    div.appendChild(el("strong", props.name));
    div.appendChild(el("div", props.address));
    div.appendChild(el("div", props.hours));
    div.appendChild(el("div", props.open_now ? box.dataset.labelOpen : box.dataset.labelClosed,
      props.open_now ? "badge open" : "badge closed"));
    if (props.walk_minutes) {
      div.appendChild(el("div", box.dataset.labelWalk.replace("{m}", props.walk_minutes)));
    }
    return div;
  }

  function getJSON(url) {
    return fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function start() {
    var box = document.getElementById("service-map");
    if (!box || typeof L === "undefined") { return; }
    var form = document.getElementById("map-filters");
    if (form) {  // a filter change applies at once (the button stays for keyboard and no-JS use)
      Array.prototype.forEach.call(form.querySelectorAll("select, input[type=checkbox]"), function (input) {
        input.addEventListener("change", function () { form.submit(); });
      });
    }
    Promise.all([getJSON(box.dataset.outline), getJSON(box.dataset.points)]).then(function (data) {
      box.textContent = "";
      box.classList.add("leaflet-on");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", box.dataset.labelMap);
      var map = L.map(box, {attributionControl: false, zoomSnap: 0.25});
      var outline = L.geoJSON(data[0], {style: {color: "#2b6cb0", weight: 2, fillColor: "#f4f7fb", fillOpacity: 1}})
        .addTo(map);
      map.fitBounds(outline.getBounds());
      var points = L.geoJSON(data[1], {
        pointToLayer: function (feature, latlng) {
          var terminal = feature.properties.kind === "terminal";
          return L.circleMarker(latlng, {radius: feature.properties.kind === "district" ? 9 : 7,
            color: terminal ? "#2f855a" : "#2b6cb0", fillOpacity: feature.properties.open_now ? 0.9 : 0.3,
            weight: 2, className: "map-point map-point-" + feature.id});
        },
        onEachFeature: function (feature, layer) {
          layer.bindPopup(popup(feature.properties, box));
          layer.bindTooltip(feature.properties.name);
        }
      }).addTo(map);
      box.dataset.shown = String(data[1].features.length);
      if (box.dataset.near) {
        var parts = box.dataset.near.split(",").map(Number);
        L.circle(parts, {radius: Number(box.dataset.radius), color: "#c53030", weight: 1, fillOpacity: 0.08,
          dashArray: "4 3"}).addTo(map);
        L.circleMarker(parts, {radius: 4, color: "#c53030", fillOpacity: 1}).addTo(map);
      }
      map.on("click", function (e) {  // the 15-minute circle around any place on the map
        var params = new URLSearchParams(window.location.search);
        params.set("near", e.latlng.lat.toFixed(5) + "," + e.latlng.lng.toFixed(5));
        params.set("circle", "1");
        window.location.search = params.toString();
      });
      var hint = el("p", box.dataset.labelPick, "map-hint");
      box.parentNode.insertBefore(hint, box.nextSibling);
      return points;
    }).catch(function () { /* the list and the SVG stay */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
