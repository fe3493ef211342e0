// GraphiQL 2 on React 17 (ReactDOM.render, no createRoot), with the explorer plugin, against
// the page's own /graphql. Headers typed in the editor are not kept: they carry tokens.
(function () {
  "use strict";
  var endpoint = window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  function GatewayGraphiQL() {
    var state = React.useState(undefined);
    var query = state[0];
    var setQuery = state[1];
    var explorer = GraphiQLPluginExplorer.useExplorerPlugin({ query: query, onEdit: setQuery });
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: query,
      onEditQuery: setQuery,
      plugins: [explorer],
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.render(React.createElement(GatewayGraphiQL), document.getElementById("graphiql"));
})();
