// axe-core's default rules, none turned off; only violations are gathered in full.
async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary]),
}))
