// Wraps the Pulumi mock monitor's registerResource so callers see what the engine
// would receive: resource options (replaceOnChanges, ignoreChanges, deleteBeforeReplace, protect,
// dependencies) are not part of MockResourceArgs.
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  type: string;
  name: string;
  /** Inputs as sent on the wire (secrets wrapped in Pulumi's secret marker). */
  raw: Record<string, any>;
  parent: string;
  dependencies: string[];
  /** Per input property, the URNs of the resources its value came from. */
  propertyDependencies: Record<string, string[]>;
  deleteBeforeReplace?: boolean;
  replaceOnChanges: string[];
  ignoreChanges: string[];
  protect: boolean;
  custom: boolean;
}

/**
 * Calls `before` with each request before the mock's newResource runs, and `after`
 * with the URN once it has answered.
 */
export function watchRegistrations(
  before: (r: Registration) => void,
  after: (r: Registration, urn: string, state: Record<string, any>) => void = () => {},
): void {
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
    const r: Registration = {
      type: req.getType(),
      name: req.getName(),
      raw: req.getObject()?.toJavaScript() ?? {},
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      propertyDependencies: propertyDependencies(req),
      deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
      replaceOnChanges: req.getReplaceonchangesList(),
      ignoreChanges: req.getIgnorechangesList(),
      protect: req.getProtect(),
      custom: req.getCustom(),
    };
    before(r);
    return register(req, (err: any, res: any) => {
      if (!err) after(r, res.getUrn(), res.getObject()?.toJavaScript() ?? {});
      callback(err, res);
    });
  };
}

function propertyDependencies(req: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
    out[key] = deps.getUrnsList();
  });
  return out;
}

/** `type::name` of a URN (urn:pulumi:stack::project::parent$type::name). */
export function keyOfUrn(urn: string): string {
  const parts = urn.split("::");
  const name = parts.at(-1)!;
  const type = parts.at(-2)!.split("$").at(-1)!;
  return `${type}::${name}`;
}
