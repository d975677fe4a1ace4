// cx360's GraphiQL: everything served by the API itself (no CDN). The API key field at the
// top is the one way to give a key: it is checked against the server (the key's role is
// shown next to it), kept in sessionStorage (this tab only), sent as a header and never
// put into the URL, and the schema is fetched again with it. The page opens with each
// team's example operations as tabs (a JSON data block written by api/graphiql.py).
(function () {
  "use strict";
  var STORAGE = "cx360-api-key";
  var form = document.getElementById("cx360-key-form");
  var input = document.getElementById("cx360-key");
  var status = document.getElementById("cx360-key-status");

  function key() { return window.sessionStorage.getItem(STORAGE) || ""; }

  // ---- the key field: check a key, show its role or why it does not work -------------

  function showKeyStatus(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  // {ok, role, keyName} for a working key; {ok: false, message} with the server's reason
  // (unknown, revoked or expired key, rate limit...) otherwise.
  async function checkKey(candidate) {
    var response;
    try {
      response = await fetch(window.location.pathname, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + candidate },
        body: JSON.stringify({ query: "query Cx360KeyCheck { viewer { role keyName } }" }),
        credentials: "omit"
      });
    } catch (error) {
      return { ok: false, message: "The server cannot be reached; try again." };
    }
    var body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    var viewer = body && body.data && body.data.viewer;
    if (response.ok && viewer) { return { ok: true, role: viewer.role, keyName: viewer.keyName }; }
    var problem = body && body.errors && body.errors[0] && body.errors[0].message;
    return { ok: false, message: problem || "The server answered " + response.status + "." };
  }

  async function useKey(candidate) {
    if (!candidate) {
      window.sessionStorage.removeItem(STORAGE);
      showKeyStatus("Enter an API key to run queries and to see the schema in Docs.", "none");
      render();
      return;
    }
    showKeyStatus("Checking the key…", "checking");
    var found = await checkKey(candidate);
    if (found.ok) {
      window.sessionStorage.setItem(STORAGE, candidate);
      showKeyStatus("Role " + found.role + " (key \u201c" + found.keyName +
                    "\u201d), kept for this browser tab.", "ok");
    } else {
      window.sessionStorage.removeItem(STORAGE);
      showKeyStatus("Key not used: " + found.message, "invalid");
    }
    render();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var candidate = input.value.trim();
    input.value = "";
    useKey(candidate);
  });

  // ---- subscriptions: graphql-ws (graphql-transport-ws) on this page's /graphql -------
  // The key goes in connection_init; one socket per key, closed when the key changes.

  var socket = null;
  function socketClient(apiKey) {
    if (socket && socket.key === apiKey) { return socket.client; }
    if (socket) { socket.client.dispose(); }
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") +
              window.location.host + window.location.pathname;
    socket = { key: apiKey, client: graphqlWs.createClient({
      url: url, lazy: true,
      connectionParams: function () { return { Authorization: "Bearer " + apiKey }; }
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

  // GraphiQL can send the previous tab's operationName for a moment after a tab switch:
  // when the document does not define that name but holds one operation, run that one.
  function withOperationName(params) {
    var names;
    try {
      names = GraphiQL.GraphQL.parse(params.query).definitions
        .filter(function (d) { return d.kind === "OperationDefinition"; })
        .map(function (d) { return d.name ? d.name.value : null; });
    } catch (error) {
      return params;  // the server reports the syntax error
    }
    if (params.operationName && names.indexOf(params.operationName) === -1 && names.length === 1) {
      return Object.assign({}, params, { operationName: names[0] });
    }
    return params;
  }

  // ---- requests: one fetcher per key -------------------------------------------------
  // GraphiQL introspects again whenever its fetcher changes, so a new key means the Docs
  // pane shows that key's schema without a manual re-fetch. Headers come from the key
  // field only (the headers editor is off: one way to give a key).

  var fetchers = {};
  function fetcherFor(apiKey) {
    if (!fetchers[apiKey]) {
      fetchers = {};
      fetchers[apiKey] = async function (params, options) {
        params = withOperationName(params);
        if (isSubscription(params, options)) { return socketClient(apiKey).iterate(params); }
        var headers = { "Content-Type": "application/json" };
        if (apiKey) { headers.Authorization = "Bearer " + apiKey; }
        var response = await fetch(window.location.pathname, {
          method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit"
        });
        return response.json();
      };
    }
    return fetchers[apiKey];
  }

  // ---- example operations as tabs ----------------------------------------------------

  function examples() {
    var block = document.getElementById("cx360-examples");
    return block ? JSON.parse(block.textContent) : [];
  }

  function exampleTabs() {
    var found = examples();
    var listing = found.map(function (e) { return "#   " + e.file; }).join("\n");
    var welcome = "# Welcome to cx360: enter your API key at the top, press play.\n" +
      (found.length ? "# Each team's examples are open in the other tabs:\n" +
                      listing + "\n" : "") +
      "query Welcome {\n  viewer { role keyName }\n}\n";
    return [{ query: welcome }].concat(found.map(function (e) {
      return { query: e.query, variables: e.variables };
    }));
  }

  // ---- GraphiQL ----------------------------------------------------------------------

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var tabs = exampleTabs();
  function render() {
    // Without a key there is no schema to ask for (`schema: null`: no introspection, so no
    // error in the result pane); with one, GraphiQL introspects with it.
    root.render(React.createElement(GraphiQL, {
      fetcher: fetcherFor(key()), schema: key() ? undefined : null, plugins: [explorer],
      isHeadersEditorEnabled: false, defaultTabs: tabs
    }));
  }
  useKey(key());
})();
