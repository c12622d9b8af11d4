// One place that ties htm to Preact, so screens import `html` and hooks from here.
import { h, render } from "/static/vendor/preact-11.2.0.mjs";
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "/static/vendor/preact-hooks-11.2.0.mjs";
import htm from "/static/vendor/htm-3.1.1.mjs";

export const html = htm.bind(h);
export { render, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState };
