{% load static %}// The door's service worker: its files, then the worker itself (registrations/js/door-worker.js).
const DOOR_SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const DOOR_SHELL_VERSION = "{{ version|escapejs }}";
const DOOR_PAGE_PATH = "{{ page|escapejs }}";
importScripts("{{ worker|escapejs }}");
