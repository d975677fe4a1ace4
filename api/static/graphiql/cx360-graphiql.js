// cx360's GraphiQL: everything served by the API itself (no CDN), the key kept in
// sessionStorage (this tab only) and sent as a header, never put into the URL.
(function () {
  "use strict";
  var STORAGE = "cx360-api-key";
  var form = document.getElementById("cx360-key-form");
  var input = document.getElementById("cx360-key");
  var status = document.getElementById("cx360-key-status");

  function key() { return window.sessionStorage.getItem(STORAGE) || ""; }

  function showStatus() {
    status.textContent = key() ? "Key set for this browser tab." : "Enter an API key to run queries.";
  }

  // Subscriptions run over graphql-ws (graphql-transport-ws) on this page's /graphql, the
  // key sent in connection_init; one socket per key, closed when the key changes.
  var socket = null;
  function socketClient() {
    if (socket && socket.key === key()) { return socket.client; }
    if (socket) { socket.client.dispose(); }
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") +
              window.location.host + window.location.pathname;
    var current = key();
    socket = { key: current, client: graphqlWs.createClient({
      url: url, lazy: true,
      connectionParams: function () { return { Authorization: "Bearer " + current }; }
    }) };
    return socket.client;
  }

  function isSubscription(params, options) {
    var document = options && options.documentAST;
    var definitions = (document && document.definitions) || [];
    return definitions.some(function (d) {
      return d.kind === "OperationDefinition" && d.operation === "subscription" &&
        (!params.operationName || (d.name && d.name.value === params.operationName));
    });
  }

  async function fetcher(params, options) {
    if (isSubscription(params, options)) { return socketClient().iterate(params); }
    var headers = Object.assign({ "Content-Type": "application/json" },
                                (options && options.headers) || {});
    if (key()) { headers.Authorization = "Bearer " + key(); }
    var response = await fetch(window.location.pathname, {
      method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit"
    });
    return response.json();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.sessionStorage.setItem(STORAGE, input.value.trim());
    input.value = "";
    showStatus();
    render();
  });

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  function render() {
    // A new key means a new schema for GraphiQL to fetch (roles see different errors).
    root.render(React.createElement(GraphiQL, {
      key: key(), fetcher: fetcher, plugins: [explorer], isHeadersEditorEnabled: true,
      defaultQuery: "# Welcome to cx360. Press the play button to run.\n{\n  viewer { role keyName }\n}\n"
    }));
  }
  showStatus();
  render();
})();
