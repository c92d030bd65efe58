"""Smart Notes as an LTI 1.3 tool (pylti1p3 underneath). Public API for other apps:

- ``request.lti`` (set by ``lti_tool.middleware.LtiLaunchMiddleware``): the current
  launch or a falsy absent launch; see ``lti_tool.sessions`` for its attributes
  (``user``, ``context``, ``resource_link``, ``roles``, ``is_instructor``,
  ``is_learner``, ``is_admin``, ``return_url``, ``token``, ``url(name, ...)``).
- ``lti_tool.decorators.lti_role_required(*AppRole)`` / ``lti_launch_required``:
  the one place that checks course + role for in-frame views.
- Template tags, ``{% load lti_tool %}``: ``{% lti_url 'app:name' %}``,
  ``{% lti_session_input %}``, ``{{ url|lti_token:request.lti }}``.
- ``lti_tool.claims``: claim URIs, ``Role``, ``AppRole``, ``MessageType``.
- ``lti_tool.handlers.register(message_type, validator=...)``: accept a new LTI
  message type (its page + a pylti1p3 validator); or subclass
  ``lti_tool.launch.SmartNotesMessageLaunch`` and override ``message_validators()``.
- ``lti_tool.advantage``: ``roster_sync(context=...)`` (NRPS), ``ags_service(lti)``,
  ``service_connector(platform)`` (cached client-credentials access tokens);
  Celery task ``lti_tool.roster_sync`` (queued by staff launches, daily at most).
- ``lti_tool.selectors``: ``frame_ancestor_origins_for(platform, context=...)`` (who may
  frame a launch's pages, per request), ``membership_list_for_context``.
- ``lti_tool.services.launch_revoke`` / ``launches_revoke`` (and ``manage.py
  lti_revoke_sessions``): end launch sessions early.
- URL names: ``lti_tool:jwks``, ``:config``, ``:login``, ``:launch``, ``:deep-link``,
  ``:register``, ``:status``; landing pages ``analytics:course``, ``analytics:my-feedback``.
"""
