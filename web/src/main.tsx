import { render } from "preact";
import { App } from "./app";
import { config } from "./config";
import { startRouter } from "./router";
import "./styles.css";

// Start fetching the runtime settings while the first page renders.
void config();
startRouter();
render(<App />, document.getElementById("app")!);
